from tests.fakes.servers import redis_fixture

# A private redis-server, never the shared one. Without redis-server these tests skip, in CI too.
private_redis = redis_fixture("private_redis", scope="session")
# A redis-server of this test alone, so stopping it affects nobody else.
stoppable_redis = redis_fixture("stoppable_redis")
