"""Two web processes sharing one Redis: writes in one are seen by the other at once; Redis down is no error."""

import logging
import uuid

import pytest

from novel_pyramid.accounts.services import settings_key
from novel_pyramid.cache import IAppCache
from tests.fakes.servers import redis_fixture
from tests.functional.conftest import bearer
from tests.functional.test_cache import fifty_simultaneous_gets, settings_reads_among, sign_in
from tests.functional.test_query_counts import statements_run_on

# Without redis-server these tests skip, in CI too.
private_redis = redis_fixture("private_redis", scope="module")
stoppable_redis = redis_fixture("stoppable_redis")


@pytest.fixture
def redis_settings(private_redis):
    return {
        "cache.backend": "redis",
        "cache.redis_url": private_redis.url,
        "cache.key_prefix": f"test:{uuid.uuid4().hex}:",
    }


@pytest.fixture
def two_processes(make_app, redis_settings):
    """Two application instances, as two web processes would have, sharing the cache."""
    return make_app(**redis_settings), make_app(**redis_settings)


def test_a_settings_change_in_one_process_is_seen_by_the_other_on_the_next_request(two_processes):
    first, second = two_processes
    headers = bearer(sign_in(first)["access_token"])
    assert second.get("/api/v1/settings", headers=headers).json["sentence_length_limit"] == 8
    first.put_json("/api/v1/settings", {"sentence_length_limit": 30}, headers=headers)
    assert second.get("/api/v1/settings", headers=headers).json["sentence_length_limit"] == 30


def test_logout_in_one_process_is_honoured_by_the_other_at_once(two_processes):
    first, second = two_processes
    headers = bearer(sign_in(first)["access_token"])
    second.get("/api/v1/settings", headers=headers)
    first.post("/api/v1/auth/logout", headers=headers)
    second.get("/api/v1/settings", headers=headers, status=401)


def test_a_history_deletion_in_one_process_is_seen_by_the_other_on_the_next_request(two_processes):
    from tests.functional.test_cache import add_history_entry

    first, second = two_processes
    login = sign_in(first)
    headers = bearer(login["access_token"])
    add_history_entry(first, login["user"]["id"], "roman.pdf")
    [entry] = second.get("/api/v1/history", headers=headers).json
    first.delete(f"/api/v1/history/{entry['id']}", headers=headers)
    assert second.get("/api/v1/history", headers=headers).json == []


def test_fifty_simultaneous_misses_across_processes_read_the_settings_once(two_processes, engine):
    first, second = two_processes
    login = sign_in(first)
    first.app.registry.getUtility(IAppCache).invalidate(settings_key(login["user"]["id"]))
    with statements_run_on(engine) as statements:
        statuses = fifty_simultaneous_gets([first, second], "/api/v1/settings", bearer(login["access_token"]))
    assert statuses == [200] * 50
    assert settings_reads_among(statements) == 1


def test_redis_down_means_database_reads_and_a_warning_never_a_500(make_app, stoppable_redis, caplog):
    app = make_app(**{"cache.backend": "redis", "cache.redis_url": stoppable_redis.url})
    headers = bearer(sign_in(app)["access_token"])
    app.get("/api/v1/settings", headers=headers)
    stoppable_redis.stop()
    with caplog.at_level(logging.WARNING, logger="novel_pyramid.cache"):
        assert app.get("/api/v1/settings", headers=headers).json["sentence_length_limit"] == 8
        app.put_json("/api/v1/settings", {"sentence_length_limit": 9}, headers=headers)
        assert app.get("/api/v1/settings", headers=headers).json["sentence_length_limit"] == 9
        app.get("/api/v1/history", headers=headers, status=200)
    assert any("reading from the database" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("path", ["/api/v1/settings", "/api/v1/history"])
def test_a_warm_signed_in_read_is_one_redis_round_trip(make_app, redis_settings, private_redis, path):
    app = make_app(**redis_settings)
    headers = bearer(sign_in(app)["access_token"])
    app.get(path, headers=headers)  # fills the view's entry
    private_redis.reset_command_calls()
    for _ in range(3):
        app.get(path, headers=headers)
    # The view's entry is one GET; the session is checked in the database.
    assert private_redis.command_calls() == {"get": 3}
