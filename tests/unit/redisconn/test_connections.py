"""One breaker per server for the whole process; clients with the configured short time-outs."""

import redis

from novel_pyramid.config import load_settings
from novel_pyramid.redisconn import RedisConnections, RedisOptions, server_of
from novel_pyramid.tasks import celery_config


def test_every_database_of_a_server_shares_its_breaker():
    connections = RedisConnections()
    assert connections.breaker("redis://10.0.0.5:6379/0") is connections.breaker("redis://10.0.0.5/8")
    assert connections.breaker("redis://10.0.0.5:6379/0") is not connections.breaker("redis://10.0.0.5:6380/0")
    assert connections.breaker("redis://10.0.0.5/0").name == "Redis at 10.0.0.5:6379"


def test_servers_are_named_by_address_or_socket_path():
    assert server_of("rediss://user:secret@cache.internal:6390/2") == "cache.internal:6390"
    assert server_of("unix:///run/redis.sock?db=1") == "/run/redis.sock"
    assert server_of("amqp://guest@rabbit//") == "rabbit:5672"


def test_the_breaker_name_never_carries_the_password():
    connections = RedisConnections()
    assert "secret" not in connections.breaker("redis://:secret@cache:6379/0").name


def test_clients_wait_at_most_the_configured_time_outs_and_retry_only_a_dropped_connection():
    options = RedisOptions(connect_timeout=0.25, read_timeout=0.75)
    pool = RedisConnections(options).pool("redis://127.0.0.1:6379/0")
    kwargs = pool.connection_kwargs
    assert kwargs["socket_connect_timeout"] == 0.25 and kwargs["socket_timeout"] == 0.75
    retry = kwargs["retry"]
    assert retry.get_retries() == 1
    assert redis.TimeoutError not in retry._supported_errors


def test_one_pool_per_url():
    connections = RedisConnections()
    assert connections.pool("redis://127.0.0.1:6379/0") is connections.pool("redis://127.0.0.1:6379/0")
    assert connections.client("redis://127.0.0.1:6379/0").connection_pool is connections.pool(
        "redis://127.0.0.1:6379/0"
    )


def test_the_settings_give_the_time_outs_and_the_breaker_thresholds():
    settings = load_settings(
        {},
        {
            "REDIS_CONNECT_TIMEOUT_SECONDS": "0.2",
            "REDIS_READ_TIMEOUT_SECONDS": "0.3",
            "REDIS_BREAKER_FAILURES": "2",
            "REDIS_BREAKER_RESET_SECONDS": "7",
        },
    )
    assert RedisOptions.from_settings(settings) == RedisOptions(0.2, 0.3, 2, 7.0)
    breaker = RedisConnections.from_settings(settings).breaker("redis://127.0.0.1/0")
    assert (breaker.failure_threshold, breaker.reset_seconds) == (2, 7.0)


def test_the_broker_publishes_with_the_same_short_time_outs():
    settings = load_settings({"redis_url": "redis://127.0.0.1:6379/0"}, {"REDIS_READ_TIMEOUT_SECONDS": "0.4"})
    config = celery_config(settings)
    transport = config["broker_transport_options"]
    assert transport["socket_timeout"] == 0.4 and transport["socket_connect_timeout"] == 0.5
    # One connection attempt per publish attempt, and one quick publish retry.
    assert transport["max_retries"] == 0
    assert config["task_publish_retry_policy"]["max_retries"] == 1
    assert config["redis_socket_timeout"] == 0.4
