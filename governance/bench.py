"""Benchmark-only endpoints and instrumentation (issue 6), mounted only when the settings say
``LINLI_BENCH_ENDPOINTS`` (never in a normal deployment).

- ``/bench/bare/``: the framework's ceiling, a view that does nothing behind the full middleware;
- ``/bench/user/``: the logged-in ceiling, loads the session and the user and returns the name;
- ``QueryCountMiddleware``: adds ``X-Linli-Queries`` (SQL statements run for the request, the
  session's and middleware's included) so the benchmark can report queries per request from the
  real server.
"""

from django.contrib.auth.decorators import login_required
from django.db import connections
from django.http import HttpResponse
from django.urls import path
from django.views.decorators.http import require_GET

QUERY_HEADER = "X-Linli-Queries"


@require_GET
def bare(request):
    return HttpResponse("ok", content_type="text/plain")


@require_GET
@login_required
def user(request):
    return HttpResponse(
        request.user.display_name or request.user.get_username(), content_type="text/plain; charset=utf-8"
    )


urlpatterns = [
    path("bare/", bare, name="bench-bare"),
    path("user/", user, name="bench-user"),
]


class QueryCountMiddleware:
    """First in the chain, so the session and user lookups are counted too."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        count = 0

        def counter(execute, sql, params, many, context):
            nonlocal count
            count += 1
            return execute(sql, params, many, context)

        wrappers = [conn.execute_wrapper(counter) for conn in connections.all()]
        for w in wrappers:
            w.__enter__()
        try:
            response = self.get_response(request)
        finally:
            for w in reversed(wrappers):
                w.__exit__(None, None, None)
        response[QUERY_HEADER] = str(count)
        return response
