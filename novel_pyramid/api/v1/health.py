"""v1 health: readiness of every backend (503 when a required one is down) and plain liveness."""

from novel_pyramid import __version__
from novel_pyramid.api import api_service
from novel_pyramid.api.validators import querystring_validator
from novel_pyramid.health import run_health_checks
from novel_pyramid.ratelimit import EXEMPT
from novel_pyramid.schema.types import NoInputRequest

SERVICE_NAME = "French Novel Tool API"

# Probes (kubelet, load balancers) call often from a few addresses: never rate limited.
health = api_service("v1.health", "/health")
liveness = api_service("v1.health.live", "/health/live")


@health.get(schema=NoInputRequest(), validators=(querystring_validator,), rate_limit=EXEMPT)
def readiness(request):
    status, checks = run_health_checks(request.registry)
    body = {
        "status": status,
        "service": SERVICE_NAME,
        "version": __version__,
        "checks": checks,
    }
    down = ", ".join(name for name, check in checks.items() if check["status"] != "up")
    if status == "unhealthy":
        request.response.status_int = 503
        request.response.headers["Retry-After"] = "10"
        body["error"] = f"Backend unavailable: {down}"
    elif down:
        body["warning"] = f"Running without: {down}"
    return body


@liveness.get(schema=NoInputRequest(), validators=(querystring_validator,), rate_limit=EXEMPT)
def alive(request):
    return {"status": "alive"}
