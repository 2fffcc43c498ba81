"""v1 jobs of the current frontend: POST /process-pdf-async (and /process-pdf with a job_id), POST /jobs/{id}/cancel,
GET /credits/jobs; tasks run in-process (eager).

A job is confirmed as the frontend does it (estimate, then confirm with the
estimate's credits), then given its upload.
"""

import io
import socket
import threading

import pytest
from sqlalchemy import func, select

from novel_pyramid.credits.models import CreditEntry, Reason
from novel_pyramid.errors import Conflict
from novel_pyramid.jobs.interfaces import IJobService
from novel_pyramid.jobs.models import Job, JobChunk, JobStatus, JobUpload
from novel_pyramid.tasks import blank_request
from tests.fakes.gemini_server import http_error
from tests.fakes.pdfs import bad_uploads, text_pdf
from tests.functional.conftest import SMALL_CHUNKS

START = "/api/v1/process-pdf-async"
DEFAULTS = {"ignore_dialogue": False, "preserve_formatting": True, "fix_hyphenation": True, "min_sentence_length": 2}


@pytest.fixture
def app(headers, make_app):
    return make_app(**SMALL_CHUNKS)


def upload(data=None, name="roman.pdf"):
    return [("pdf_file", name, text_pdf() if data is None else data)]


def confirm(app, headers, preference="balanced", **settings):
    """A confirmed job of the signed-in user, as the frontend makes one: its id."""
    estimate = app.post(
        "/api/v1/estimate-pdf", {"model_preference": preference}, upload_files=upload(), headers=headers
    ).json
    body = {
        "estimated_credits": estimate["estimated_credits"],
        "model_preference": preference,
        "processing_settings": settings,
    }
    return app.post_json("/api/v1/credits/jobs/confirm", body, headers=headers).json["job_id"]


def start(app, headers, job_id, status=202, files=None, **fields):
    form = {"job_id": str(job_id), **{name: str(value) for name, value in fields.items()}}
    return app.post(START, form, upload_files=upload() if files is None else files, headers=headers, status=status)


def entries(dbsession, job_id):
    dbsession.expire_all()
    query = select(CreditEntry.reason, CreditEntry.delta_credits).where(CreditEntry.job_id == job_id)
    return [tuple(row) for row in dbsession.execute(query.order_by(CreditEntry.id))]


def waiting_untouched(dbsession, job_id):
    """The job still awaits its upload, as confirm left it: nothing of a start was written."""
    dbsession.expire_all()
    job = dbsession.get(Job, job_id)
    uploads = dbsession.scalar(select(func.count()).select_from(JobUpload).where(JobUpload.job_id == job_id))
    chunks = dbsession.scalar(select(func.count()).select_from(JobChunk).where(JobChunk.job_id == job_id))
    return (job.status, job.step, job.task_id, uploads, chunks) == ("awaiting_upload", "awaiting_upload", None, 0, 0)


def test_the_confirmed_job_starts_with_its_upload_and_options(app, headers, dbsession):
    job_id = confirm(app, headers, sentence_length_limit=10, ignore_dialogue=True)

    response = start(
        app, headers, job_id, sentence_length_limit=7, preserve_formatting="false", gemini_model="balanced"
    )

    body = response.json
    assert body == {"job_id": job_id, "task_id": body["task_id"], "status": "completed", "message": body["message"]}
    job = dbsession.get(Job, job_id)
    assert job.status == JobStatus.COMPLETED and job.task_id == body["task_id"] and len(job.task_id) == 36
    assert job.sentence_length_limit == 7 and job.original_filename == "roman.pdf"
    # The upload's choices over the confirmation's, defaults for the rest, every option written out.
    assert job.processing_settings == {
        "sentence_length_limit": 7,
        "gemini_model": "balanced",
        "ignore_dialogue": True,
        "preserve_formatting": False,
        "fix_hyphenation": True,
        "min_sentence_length": 2,
    }
    reasons = [reason for reason, _ in entries(dbsession, job_id)]
    assert reasons == [Reason.JOB_RESERVE, Reason.JOB_FINAL]


def test_options_left_out_take_the_confirmed_ones_then_the_defaults(app, headers, dbsession):
    job_id = confirm(app, headers, "speed", sentence_length_limit=12, min_sentence_length=3)

    start(app, headers, job_id)

    job = dbsession.get(Job, job_id)
    assert job.sentence_length_limit == 12 and job.model == "gemini-2.5-flash-lite"
    assert job.processing_settings == {
        **DEFAULTS,
        "sentence_length_limit": 12,
        "gemini_model": "speed",
        "min_sentence_length": 3,
    }


def test_the_frontend_job_shows_its_tokens_task_history_and_price(app, headers, dbsession):
    job_id = confirm(app, headers, estimated_tokens=900, original_filename="roman.pdf")
    task_id = start(app, headers, job_id).json["task_id"]

    read = app.get(f"/api/v1/credits/jobs/{job_id}", headers=headers).json
    listed = app.get("/api/v1/credits/jobs", headers=headers).json

    job = dbsession.get(Job, job_id)
    (item,) = listed
    # GET /credits/jobs/{id}, which the frontend polls, is the very Job the list shows.
    assert read == item
    assert item["celery_task_id"] == task_id and item["status"] == "completed" and item["failed_chunks"] == []
    assert item["actual_tokens"] == item["gemini_tokens_used"] == job.input_tokens + job.output_tokens
    assert item["gemini_api_calls"] == job.model_calls
    assert item["estimated_tokens"] == 900 and item["pricing_rate"] == 3
    assert item["processing_settings"]["original_filename"] == "roman.pdf"  # what the confirmation said is kept
    assert item["history_id"] is not None and item["processing_time_seconds"] >= 0
    waiting = confirm(app, headers)
    (pending,) = app.get("/api/v1/credits/jobs", {"status": "pending"}, headers=headers).json
    assert pending["id"] == waiting and "history_id" not in pending  # until it has an entry
    entry = app.get("/api/v1/history", headers=headers).json[0]
    assert entry["id"] == item["history_id"]


def test_process_pdf_with_a_job_id_starts_that_job_and_answers_its_sentences(app, headers, dbsession):
    job_id = confirm(app, headers, sentence_length_limit=9)

    response = app.post("/api/v1/process-pdf", {"job_id": job_id}, upload_files=upload(), headers=headers)

    assert response.json["sentences"]
    assert dbsession.scalar(select(func.count()).select_from(Job)) == 1  # no job of its own
    job = dbsession.get(Job, job_id)
    assert job.status == JobStatus.COMPLETED and job.sentence_length_limit == 9 and job.task_id
    assert [reason for reason, _ in entries(dbsession, job_id)] == [Reason.JOB_RESERVE, Reason.JOB_FINAL]
    # Started once, never twice.
    app.post("/api/v1/process-pdf", {"job_id": job_id}, upload_files=upload(), headers=headers, status=409)


def test_process_pdf_without_a_job_id_takes_the_options_too(app, headers, dbsession):
    app.post(
        "/api/v1/process-pdf",
        {"fix_hyphenation": "false", "sentence_length_limit": "6"},
        upload_files=upload(),
        headers=headers,
    )

    job = dbsession.scalars(select(Job)).one()
    assert job.estimated_credits is None and job.sentence_length_limit == 6
    assert job.processing_settings == {
        **DEFAULTS,
        "fix_hyphenation": False,
        "sentence_length_limit": 6,
        "gemini_model": None,
    }
    error = app.post(
        "/api/v1/process-pdf", {"gemini_model": "speed"}, upload_files=upload(), headers=headers, status=400
    )
    assert "job_id" in error.json["details"]["gemini_model"][0]


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"ignore_dialogue": "yes"}, "ignore_dialogue"),
        ({"preserve_formatting": "True"}, "preserve_formatting"),
        ({"fix_hyphenation": ""}, "fix_hyphenation"),
        ({"min_sentence_length": "0"}, "min_sentence_length"),
        ({"min_sentence_length": "deux"}, "min_sentence_length"),
        ({"min_sentence_length": "101"}, "min_sentence_length"),
        ({"sentence_length_limit": "2"}, "sentence_length_limit"),
        ({"sentence_length_limit": "51"}, "sentence_length_limit"),
        ({"sentence_length_limit": "8.5"}, "sentence_length_limit"),
        ({"gemini_model": "fastest"}, "gemini_model"),
        ({"colour": "blue"}, "colour"),
        # The shortest piece cannot be longer than the longest sentence.
        ({"min_sentence_length": "9", "sentence_length_limit": "8"}, "min_sentence_length"),
    ],
)
def test_bad_options_are_refused_and_the_job_still_waits(app, headers, dbsession, fields, field):
    job_id = confirm(app, headers)
    reserved = entries(dbsession, job_id)

    error = start(app, headers, job_id, status=400, **fields).json

    assert field in error["details"] and error["details"][field][0]
    assert waiting_untouched(dbsession, job_id) and entries(dbsession, job_id) == reserved


@pytest.mark.parametrize("files, reason", **bad_uploads())
def test_bad_uploads_are_refused_and_the_job_still_waits(app, headers, dbsession, files, reason):
    job_id = confirm(app, headers)

    error = start(app, headers, job_id, status=400, files=files).json

    assert reason in error["error"]
    assert waiting_untouched(dbsession, job_id)


def test_a_start_without_a_file_or_a_job_id_is_refused(app, headers, dbsession):
    job_id = confirm(app, headers)

    no_file = app.post(START, {"job_id": job_id}, headers=headers, status=400).json
    no_job = app.post(START, upload_files=upload(), headers=headers, status=400).json
    two_jobs = app.post(
        START, [("job_id", job_id), ("job_id", job_id)], upload_files=upload(), headers=headers, status=400
    )

    assert "pdf_file" in no_file["details"] and "job_id" in no_job["details"] and "job_id" in two_jobs.json["details"]
    assert waiting_untouched(dbsession, job_id)


def test_an_upload_over_the_size_limit_is_refused_and_the_job_still_waits(headers, make_app, dbsession):
    app = make_app(max_file_size="100000", **SMALL_CHUNKS)
    job_id = confirm(app, headers)

    start(app, headers, job_id, status=413, files=upload(b"%PDF-" + b"x" * 200_000))

    assert waiting_untouched(dbsession, job_id)


def test_another_users_or_an_unknown_job_is_not_found(app, headers, auth_headers, dbsession):
    job_id = confirm(app, headers)
    other = auth_headers("paul@example.com")

    start(app, other, job_id, status=404)
    start(app, headers, "no-such-job", status=404)
    app.post(f"/api/v1/jobs/{job_id}/cancel", headers=other, status=404)

    assert waiting_untouched(dbsession, job_id)
    assert app.get("/api/v1/credits/jobs", headers=other).json == []


def test_a_started_or_ended_job_cannot_be_started_again(app, headers, dbsession, make_app):
    started = confirm(app, headers)
    start(app, headers, started)
    cancelled = confirm(app, headers)
    app.post(f"/api/v1/jobs/{cancelled}/cancel", headers=headers)
    legacy = app.post("/api/v1/process-pdf", upload_files=upload(), headers={**headers, "Prefer": "respond-async"}).json

    for job_id in (started, cancelled, legacy["job_id"]):
        error = start(app, headers, job_id, status=409).json
        assert error["code"] == "conflict" and "confirm a new job" in error["error"]
    # A queued job (its worker not there yet) has its upload already.
    queued = confirm(app, headers)
    dbsession.get(Job, queued).status = JobStatus.QUEUED
    dbsession.commit()
    assert "already received its PDF" in start(app, headers, queued, status=409).json["error"]


def test_a_model_other_than_the_reserved_one_is_a_conflict(app, headers, dbsession):
    job_id = confirm(app, headers, "balanced")

    error = start(app, headers, job_id, status=409, gemini_model="quality").json

    assert "gemini-2.5-flash" in error["error"] and "gemini-2.5-pro" in error["error"]
    assert waiting_untouched(dbsession, job_id)


def test_with_the_broker_down_the_job_still_waits_cancellable_with_its_reservation(headers, make_app, dbsession):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    app = make_app(
        **SMALL_CHUNKS,
        **{"celery.broker_url": f"redis://127.0.0.1:{closed_port}/0", "celery.task_always_eager": "false"},
    )
    job_id = confirm(app, headers)
    reserved = entries(dbsession, job_id)
    assert [reason for reason, _ in reserved] == [Reason.JOB_RESERVE]

    first = start(app, headers, job_id, status=503)
    again = start(app, headers, job_id, status=503)  # the breaker may now refuse before anything is read

    assert first.json["code"] == again.json["code"] == "service_unavailable" and int(first.headers["Retry-After"]) > 0
    assert waiting_untouched(dbsession, job_id) and entries(dbsession, job_id) == reserved
    cancelled = app.post(f"/api/v1/jobs/{job_id}/cancel", headers=headers).json
    assert cancelled["status"] == "cancelled"
    assert [reason for reason, _ in entries(dbsession, job_id)] == [Reason.JOB_RESERVE, Reason.JOB_REFUND]


class RacingUpload:
    """A multipart field whose file, while it is being read, lets another upload of the same job run first."""

    def __init__(self, data, meanwhile):
        self.filename = "roman.pdf"
        self.file = self
        self._data = io.BytesIO(data)
        self._meanwhile = meanwhile

    def read(self, *args):
        if self._meanwhile is not None:
            meanwhile, self._meanwhile = self._meanwhile, None
            meanwhile()
        return self._data.read(*args)


def job_service(app, dbsession):
    request = blank_request(app.app.registry)
    request.dbsession = dbsession
    return request.find_service(IJobService)


def test_of_two_uploads_for_one_job_only_the_first_to_commit_starts_it(app, headers, dbsession, make_user):
    job_id = confirm(app, headers)
    user_id = dbsession.get(Job, job_id).user_id
    won = []

    def other_upload():
        won.append(job_service(app, dbsession).start(user_id, job_id, RacingUpload(text_pdf(), None), None, {}))

    # Both passed the check that the job waits for its upload; the slower one is refused as it commits.
    with pytest.raises(Conflict):
        job_service(app, dbsession).start(user_id, job_id, RacingUpload(text_pdf(), other_upload), None, {})

    dbsession.expire_all()
    job = dbsession.get(Job, job_id)
    assert job.status == JobStatus.COMPLETED and job.task_id == won[0].task_id


def test_concurrent_uploads_for_one_job_start_it_once(app, headers, dbsession):
    job_id = confirm(app, headers)
    user_id = dbsession.get(Job, job_id).user_id
    both_read = threading.Barrier(2, timeout=20)
    outcomes = []

    class Upload(RacingUpload):
        def read(self, *args):
            if self._meanwhile is not None:
                self._meanwhile = None
                both_read.wait()
            return self._data.read(*args)

    def upload_once():
        request = blank_request(app.app.registry)
        request.dbsession = dbsession.__class__(bind=dbsession.get_bind())
        try:
            outcomes.append(
                request.find_service(IJobService).start(user_id, job_id, Upload(text_pdf(), True), None, {})
            )
        except Conflict as error:
            outcomes.append(error)
        finally:
            request.dbsession.close()

    threads = [threading.Thread(target=upload_once) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert sorted(type(outcome).__name__ for outcome in outcomes) == ["Conflict", "Job"]
    dbsession.expire_all()
    assert dbsession.get(Job, job_id).status == JobStatus.COMPLETED
    assert [reason for reason, _ in entries(dbsession, job_id)] == [Reason.JOB_RESERVE, Reason.JOB_FINAL]


def test_cancel_refunds_and_answers_as_the_frontend_expects(app, headers, dbsession):
    job_id = confirm(app, headers)
    reserved = -entries(dbsession, job_id)[0][1]

    body = app.post(f"/api/v1/jobs/{job_id}/cancel", headers=headers).json
    again = app.post(f"/api/v1/jobs/{job_id}/cancel", headers=headers).json

    assert body == again == {"job_id": job_id, "status": "cancelled", "message": body["message"]}
    assert "refunded" in body["message"]
    assert entries(dbsession, job_id) == [(Reason.JOB_RESERVE, -reserved), (Reason.JOB_REFUND, reserved)]
    done = confirm(app, headers)
    start(app, headers, done)
    assert app.post(f"/api/v1/jobs/{done}/cancel", headers=headers, status=409).json["code"] == "conflict"
    app.post("/api/v1/jobs/no-such-job/cancel", headers=headers, status=404)


def test_the_jobs_list_is_newest_first_limited_and_filtered_by_the_frontends_status(app, headers):
    waiting = confirm(app, headers)
    completed = confirm(app, headers)
    start(app, headers, completed)
    cancelled = confirm(app, headers)
    app.post(f"/api/v1/jobs/{cancelled}/cancel", headers=headers)

    def ids(**query):
        return [job["id"] for job in app.get("/api/v1/credits/jobs", query, headers=headers).json]

    assert ids() == [cancelled, completed, waiting]
    assert ids(limit=2) == [cancelled, completed]
    assert ids(status="pending") == [waiting]
    assert ids(status="completed") == [completed]
    assert ids(status="cancelled") == [cancelled]
    assert ids(status="failed") == ids(status="processing") == []


@pytest.mark.parametrize(
    "query", [{"limit": "0"}, {"limit": "201"}, {"limit": "x"}, {"status": "queued"}, {"status": "done"}, {"page": "2"}]
)
def test_the_jobs_list_refuses_bad_queries(app, headers, query):
    error = app.get("/api/v1/credits/jobs", query, headers=headers, status=400).json
    assert set(query) <= set(error["details"])


def test_the_jobs_endpoints_need_a_signed_in_user(app):
    app.post(START, {"job_id": "x"}, upload_files=upload(), status=401)
    app.post("/api/v1/jobs/x/cancel", status=401)
    app.get("/api/v1/credits/jobs", status=401)


def test_a_failed_job_read_alone_shows_its_failed_chunks_and_history_entry(gemini_app, headers, gemini, dbsession):
    gemini.script(http_error(403, "Permission denied on the model."))
    job_id = confirm(gemini_app, headers)
    start(gemini_app, headers, job_id)

    read = gemini_app.get(f"/api/v1/credits/jobs/{job_id}", headers=headers).json

    failed = dbsession.scalars(
        select(JobChunk.position).where(JobChunk.job_id == job_id, JobChunk.status == "failed")
    ).all()
    assert read["status"] == "failed" and read["failed_chunks"] == list(failed) and len(failed) == 1
    assert read["history_id"] == gemini_app.get("/api/v1/history", headers=headers).json[0]["id"]
