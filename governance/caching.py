"""Helpers for keeping computed figures in the cache."""

import hashlib

from django.conf import settings


def shared_cache() -> bool:
    """Whether the default cache is one every process shares (Redis in production and CI). The
    per-process memory cache of the demo never keeps figures: a change counted by the worker
    could not reach the web process's copy."""
    return not settings.CACHES["default"]["BACKEND"].endswith("LocMemCache")


def key(prefix: str, *parts) -> str:
    """A cache key from a prefix and the repr of everything the value depends on."""
    return f"{prefix}:{hashlib.sha1(repr(parts).encode()).hexdigest()}"
