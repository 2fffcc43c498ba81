"""The shared helpers of tests/fakes/servers.py: the missing-server rule, ports, the private Redis, JSON replies."""

import json
import urllib.request
from http.server import BaseHTTPRequestHandler

import pytest

from tests.fakes import servers

redis_server = servers.redis_fixture("redis_server")


def test_a_missing_server_fails_in_ci_with_the_note(monkeypatch):
    monkeypatch.setattr(servers, "IN_CI", True)
    with pytest.raises(pytest.fail.Exception, match=r"^no Redis \(CI=true: must run\)$"):
        servers.unavailable("no Redis", ci_note="CI=true: must run")


def test_a_missing_server_is_a_skip_elsewhere(monkeypatch):
    monkeypatch.setattr(servers, "IN_CI", False)
    with pytest.raises(pytest.skip.Exception, match="^no Redis$"):
        servers.unavailable("no Redis", ci_note="CI=true: must run")


def test_waiting_for_a_port_nothing_listens_on_times_out():
    with pytest.raises(TimeoutError, match="nothing listens on port"):
        servers.wait_for_port(servers.free_port(), timeout=0.3)


def test_a_restarted_redis_answers_at_the_same_url_empty(redis_server):
    url = redis_server.url
    redis_server.client().set("key", "value")
    redis_server.restart()
    assert redis_server.url == url
    assert redis_server.client().get("key") is None
    redis_server.stop()
    redis_server.stop()  # stopping twice is harmless
    assert redis_server.process is None


class EchoService(servers.FakeHTTPService):
    class Handler(servers.JsonHandlerMixin, BaseHTTPRequestHandler):
        def do_POST(self):
            self.send_json(201, {"got": self.read_json()}, headers={"X-Fake": "yes"})


def test_a_fake_service_reads_and_answers_json():
    service = EchoService().start()
    try:
        request = urllib.request.Request(service.base_url + "/", data=b'{"a": 1}', method="POST")
        with urllib.request.urlopen(request) as response:
            assert response.status == 201
            assert response.headers["Content-Type"] == "application/json"
            assert response.headers["X-Fake"] == "yes"
            assert json.loads(response.read()) == {"got": {"a": 1}}
    finally:
        service.stop()
