"""The Celery configuration, the task id on log lines, and the small helpers of the jobs API."""

import datetime
import types

import celery

from novel_pyramid.api.v2.schemas import JobCursor, encode_job_cursor
from novel_pyramid.config import load_settings
from novel_pyramid.history.services import truncate
from novel_pyramid.logging.context import task_id_var
from novel_pyramid.tasks import LoggedTask, celery_config


def test_tasks_are_acknowledged_late_and_taken_one_at_a_time():
    config = celery_config(load_settings({"redis_url": "redis://127.0.0.1:6379/0"}, {}))

    assert config["task_acks_late"] and config["task_reject_on_worker_lost"]
    assert config["worker_prefetch_multiplier"] == 1
    assert config["broker_url"] == "redis://127.0.0.1:6379/0" and not config["task_always_eager"]
    assert config["broker_transport_options"]["visibility_timeout"] == 3600


def test_without_a_broker_tasks_run_in_process():
    config = celery_config(load_settings({}, {}))
    assert config["task_always_eager"] and config["broker_url"] == "memory://"


def test_a_short_visibility_timeout_gets_a_matching_restore_period():
    settings = load_settings({"redis_url": "redis://localhost/0", "celery.visibility_timeout": "4"}, {})
    options = celery_config(settings)["broker_transport_options"]
    assert (options["visibility_timeout"], options["unacked_restore_interval"]) == (4, 1)


def test_log_lines_of_a_task_carry_its_id():
    app = celery.Celery("test", set_as_current=False, task_cls=LoggedTask)
    app.conf.task_always_eager = True

    @app.task
    def which_task():
        return task_id_var.get()

    assert which_task.apply(task_id="task-42").get() == "task-42"
    assert task_id_var.get() is None


def test_job_cursors_round_trip():
    job = types.SimpleNamespace(created_at=datetime.datetime(2026, 5, 1, 12, 0, 0, 123456), id="abc")
    assert JobCursor().deserialize(None, encode_job_cursor(job)) == (job.created_at, "abc")


def test_truncate_keeps_short_text_and_marks_cut_text():
    assert truncate("court", 128) == "court"
    assert truncate(None, 10) is None
    cut = truncate("x" * 600, 512)
    assert len(cut) == 512 and cut.endswith("…")
