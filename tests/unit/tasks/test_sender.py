"""The task sender services are handed, and the request a task finds its services with."""

import celery
import pytest
import transaction
from pyramid import testing
from sqlalchemy import select
from zope.interface import Interface

from novel_pyramid.accounts.models import User
from novel_pyramid.db import make_session_factory
from novel_pyramid.db.types import utcnow
from novel_pyramid.errors import ServiceUnavailable
from novel_pyramid.redisconn import NEVER_OPEN, CircuitBreaker
from novel_pyramid.tasks import CeleryTaskSender, task_request


@pytest.fixture
def eager_app():
    app = celery.Celery("test", set_as_current=False)
    app.conf.task_always_eager = True
    app.ran = []

    @app.task(name="test.record", shared=False)
    def record(value):
        app.ran.append(value)

    return app


def test_tasks_are_sent_by_name_once_the_transaction_commits(eager_app):
    sender = CeleryTaskSender(eager_app, NEVER_OPEN)
    manager = transaction.TransactionManager(explicit=True)

    with manager:
        outcome = sender.send_after_commit(manager, [("test.record", (1,)), ("test.record", (2,))])
        assert eager_app.ran == []
    assert eager_app.ran == [1, 2] and outcome.error is None

    with pytest.raises(RuntimeError), manager:
        sender.send_after_commit(manager, [("test.record", (3,))])
        raise RuntimeError("rolled back")
    assert eager_app.ran == [1, 2]


def test_a_task_may_carry_the_id_its_sender_chose(eager_app):
    @eager_app.task(name="test.own_id", bind=True, shared=False)
    def own_id(self):
        eager_app.ran.append(self.request.id)

    CeleryTaskSender(eager_app, NEVER_OPEN).send([("test.own_id", (), "chosen-id"), ("test.own_id", ())])

    assert eager_app.ran[0] == "chosen-id" and eager_app.ran[1] not in (None, "chosen-id")


def test_an_open_breaker_refuses_before_anything_is_written_or_sent(eager_app):
    breaker = CircuitBreaker("broker", failure_threshold=1, reset_seconds=60)
    breaker.failed()
    sender = CeleryTaskSender(eager_app, breaker)

    with pytest.raises(ServiceUnavailable) as refused:
        sender.refuse_while_down()
    assert refused.value.headers["Retry-After"]
    manager = transaction.TransactionManager(explicit=True)
    with manager:
        outcome = sender.send_after_commit(manager, [("test.record", (1,))])
    with pytest.raises(ServiceUnavailable):
        outcome.raise_for_error()
    assert eager_app.ran == []


class IGreeter(Interface):
    pass


GREETER = object()


def test_a_task_request_finds_services_and_commits_its_own_transaction(engine, eager_app, dbsession):
    with testing.testConfig() as config:
        config.include("pyramid_services")
        config.register_service(GREETER, IGreeter)
        config.registry["db.session_factory"] = make_session_factory(engine)
        config.commit()
        eager_app.pyramid_registry = config.registry

        with task_request(eager_app.tasks["test.record"]) as request:
            assert request.find_service(IGreeter) is GREETER
            request.dbsession.add(User(email="tache@example.com", is_active=True, created_at=utcnow()))

        with pytest.raises(RuntimeError), task_request(eager_app.tasks["test.record"]) as request:
            request.dbsession.add(User(email="annulee@example.com", is_active=True, created_at=utcnow()))
            raise RuntimeError("rolled back")

    assert dbsession.scalars(select(User.email)).all() == ["tache@example.com"]
