"""A tween that counts and times every request by its route name (never by its raw path)."""

import time

from novel_pyramid.metrics.record import NO_ROUTE, observe_request


def request_metrics_tween_factory(handler, registry):
    def request_metrics_tween(request):
        started = time.perf_counter()
        status = 500
        try:
            response = handler(request)
            status = response.status_int
            return response
        finally:
            route = request.matched_route
            observe_request(
                route.name if route is not None else NO_ROUTE,
                request.method,
                status,
                time.perf_counter() - started,
            )

    return request_metrics_tween
