import pytest

from tests.fakes.servers import redis_fixture

# A private redis-server, never the shared one. Without redis-server these tests skip, in CI too.
private_redis = redis_fixture("private_redis", scope="session", on_missing=pytest.skip)
# A redis-server of this test alone, so stopping it affects nobody else.
stoppable_redis = redis_fixture("stoppable_redis", on_missing=pytest.skip)
