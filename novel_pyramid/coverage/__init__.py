"""The vocabulary coverage tool: runs that build a learning set from a user's processed books.

- ``services``: what the API does with runs (start, read, swap, export), the one writer of
  ``coverage_runs`` and ``coverage_assignments``.
- ``runner`` and ``tasks``: what the worker does with a run (read, key, cover or filter, write).
- ``building``: from a keyed corpus to assignments, learning set, statistics and diagnosis.
- ``algorithms`` and ``sentence_keys``: the set cover and filter, and the kept keys of each sentence.
- ``events``: ``CoverageRunChanged``, announced after every committed change of a run.
- ``sheet_import``: sentences read from a Google Sheet into a history entry, a source for runs.

Views and tasks find the services by their interfaces (``interfaces``).
"""


def includeme(config):
    # Imported here: the services import the subsystems this one reads (jobs, history, wordlists).
    from novel_pyramid.coverage import tasks  # noqa: F401 (declares the run's task on the Celery app)
    from novel_pyramid.coverage.interfaces import ICoverageRunner, ICoverageService
    from novel_pyramid.coverage.runner import CoverageRunner
    from novel_pyramid.coverage.sentence_keys import includeme_store
    from novel_pyramid.coverage.services import CoverageService

    config.include("pyramid_services")
    includeme_store(config)
    config.register_service_factory(CoverageService.create_service, ICoverageService)
    config.register_service_factory(CoverageRunner.create_service, ICoverageRunner)
