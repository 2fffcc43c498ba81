"""Processing jobs: one per upload, extracted into chunks that workers normalise independently.

- ``services``: what the API does with jobs (submit, read, list, cancel, retry, delete, wait).
- ``runner``: what the tasks do (extract the upload, normalise a chunk, finish the job).
- ``tasks``: the Celery tasks, thin wrappers around the runner.
- ``leases`` and ``recovery``: the lease a running task holds, and the sweeper
  that sends again what a lost worker or a lost broker message left behind.

Views and tasks find the services by their interfaces (``interfaces``).
"""


def includeme(config):
    # Imported here, not above: the models of this package are imported by
    # others that this package's services import in turn.
    from novel_pyramid.jobs import tasks
    from novel_pyramid.jobs.detail_interfaces import IJobDetails
    from novel_pyramid.jobs.details import JobDetails
    from novel_pyramid.jobs.interfaces import IJobRunner, IJobService, ILeaseKeeper
    from novel_pyramid.jobs.leases import LeaseKeeper, LeaseTimings
    from novel_pyramid.jobs.recovery import LostTaskSweeper
    from novel_pyramid.jobs.runner import JobRunner
    from novel_pyramid.jobs.services import JobService
    from novel_pyramid.tasks import WorkerReady
    from novel_pyramid.tasks.interfaces import ITaskSender

    config.include("pyramid_services")
    registry = config.registry
    config.register_service_factory(JobService.create_service, IJobService)
    config.register_service_factory(JobDetails.create_service, IJobDetails)
    # One heartbeat per process renews the leases of every task it runs.
    leases = LeaseKeeper(registry["db.session_factory"], LeaseTimings.from_settings(registry.settings))
    config.register_service(leases, ILeaseKeeper)
    config.register_service_factory(JobRunner.create_service, IJobRunner)

    def start_lost_task_sweeper(event):
        # Every worker runs a sweeper thread, sending with the process's task sender.
        send = tasks.sender_of_lost_work(event.request.find_service(ITaskSender))
        LostTaskSweeper.from_request(event.request, send).start()

    config.add_subscriber(start_lost_task_sweeper, WorkerReady)
