"""The jobs subsystem announces every committed change of a real job (runner steps, a cancel), and a follower hears each one."""

import hashlib

from novel_pyramid.jobs.interfaces import IJobRunner
from novel_pyramid.jobs.models import Job, JobStatus, JobUpload
from novel_pyramid.tasks import blank_request
from tests.fakes.pdfs import novel_paragraphs, text_pdf


def queued_job(dbsession, user_id, data):
    job = Job(
        user_id=user_id,
        status=JobStatus.QUEUED,
        step="queued",
        original_filename="roman.pdf",
        sentence_length_limit=8,
        normalizer="local",
    )
    job.upload = JobUpload(size=len(data), sha256=hashlib.sha256(data).hexdigest(), data=data)
    dbsession.add(job)
    dbsession.commit()
    return job


def run_in_process(registry, job_id):
    """What the workers do with the job: its extraction, then each chunk."""
    runner = blank_request(registry).find_service(IJobRunner)
    runner.extract(job_id, lambda chunk_ids: [runner.normalize_chunk(chunk_id) for chunk_id in chunk_ids])


def test_a_real_job_is_followed_from_its_start_to_its_end(serve, follower, dbsession):
    served = serve(**{"pipeline.chunk_max_words": "50"})
    user_id, token = served.sign_in()
    job = queued_job(dbsession, user_id, text_pdf(novel_paragraphs(10)))
    client = follower(served.url)
    client.join(job.id, token)
    client.expect("joined_room")
    assert client.expect("job_progress")["status"] == "pending"

    run_in_process(served.registry, job.id)

    states = []
    while not states or states[-1]["status"] != "completed":
        states.append(client.expect("job_progress"))
    processed = [state["processed_chunks"] for state in states]
    assert processed == sorted(processed) and processed[-1] == states[-1]["total_chunks"] > 1
    # A state for the extraction's batches and for each chunk (throttling is off in these tests).
    assert len(states) > states[-1]["total_chunks"]
    assert states[-1]["progress_percent"] == 100


def test_a_cancel_through_the_api_reaches_the_follower_once_committed(serve, follower, dbsession):
    served = serve()
    user_id, token = served.sign_in()
    job = queued_job(dbsession, user_id, text_pdf(novel_paragraphs(2)))
    client = follower(served.url)
    client.join(job.id, token)
    client.expect("joined_room")
    client.expect("job_progress")

    answer = served.post(f"/api/v1/jobs/{job.id}/cancel", token)

    assert answer["status"] == "cancelled"
    state = client.expect("job_progress")
    assert state["status"] == "cancelled" and state["is_cancelled"] is True
