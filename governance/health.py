"""/healthz: is the database (and Redis, when configured) answering? 503 when one is not."""

import time

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache


def _timed(check):
    start = time.perf_counter()
    try:
        check()
    except Exception as exc:  # any failure means "down"; the message says which
        return {"ok": False, "error": exc.__class__.__name__, "ms": round((time.perf_counter() - start) * 1000, 1)}
    return {"ok": True, "ms": round((time.perf_counter() - start) * 1000, 1)}


def _database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _redis():
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1)
    try:
        client.ping()
    finally:
        client.close()


@never_cache
def healthz(request):
    checks = {"database": _timed(_database) | {"vendor": connection.vendor}}
    if settings.REDIS_URL:
        checks["redis"] = _timed(_redis)
    healthy = all(c["ok"] for c in checks.values())
    return JsonResponse({"status": "ok" if healthy else "error", "checks": checks}, status=200 if healthy else 503)
