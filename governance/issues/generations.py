"""Generation stamps: what lets a page keep a rendered part of itself in the cache and never show
it once the issues behind it have changed.

Every cached part is kept with the stamps of what it shows (and read with them, in one round
trip): one issue's timeline, the issues of one compound, community, subdistrict, category or
reporter, all issues, the people named beside them, the names around them (categories, places,
the organisations that handle issues and what ties them to places: contracts, branches'
coverage) and the rates' monthly rollup. Any write to an
issue drops the stamps of its compound, community, subdistrict, category and reporter (and "all")
once its transaction has committed; a renamed category, compound or organisation drops the names'
stamp; a refresh of the rollup drops the rollup's. The next reader finds a stamp missing
and makes a fresh random one, so an entry kept with the old stamp is never read again (the next
value kept replaces it, or it expires on its own).

Why this is safe under concurrency: a reader reads the stamps *before* it reads the database, and
a writer drops them (again) *after* its commit. A reader that read old data therefore holds an old
stamp, and whatever it keeps is kept with a stamp no one reads again; a reader that comes after
the drop reads committed data.

Writes that bypass the ORM's signals and ``Issue.objects.update`` (the generators' COPY and bulk
inserts) call ``everything_changed`` when they finish. The cache is used only where it is one
cache for every process (Redis: ``PAGE_CACHE``), or in tests, which run in one process.
"""

import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

# How long a kept part lives at most, whatever happens: a bound on anything a stamp does not
# cover (a renamed building's name written by a bulk update, say).
TTL = 10 * 60
STAMP_TTL = 24 * 3600

ALL = ("all", 0)
NAMES = ("names", 0)
# People shown beside an issue (reporters, holders, party members and their zones): kept apart
# from the names, so that a profile edited somewhere drops only the parts that name people.
PEOPLE = ("people", 0)
# The rates' monthly rollup (``rollups``): dropped whenever a refresh rewrites a month.
ROLLUPS = ("rollups", 0)
# Who holds which role, works for which company, is which party member: dropped by any change to
# one of them (rare: an officer's act), for the callers' scopes kept by ``selectors.load_roles``.
ROLES = ("roles", 0)


def enabled() -> bool:
    return settings.PAGE_CACHE


def _key(scope: str, pk) -> str:
    return f"gen:{scope}:{pk}"


def stamp(*scopes: tuple[str, object]) -> str:
    """The current stamp of each scope, joined: what a value is kept with (``store``). Read it
    before the data."""
    return _stamps_and(scopes)[0]


def _stamps_and(scopes, entry: str | None = None):
    """The joined stamps of ``scopes`` and, read with them in one round trip to Redis (a page
    asked for the stamps, then for its kept part: two), the cache's value under ``entry``."""
    keys = [_key(*s) for s in scopes]
    found = cache.get_many([*keys, entry] if entry is not None else keys)
    value = found.pop(entry, None) if entry is not None else None
    missing = [k for k in keys if k not in found]
    if missing:
        for k in missing:
            # Only if no one else made it first. A stamp that expires is replaced like a dropped
            # one (what was kept under it is never read again), so stamps may expire and be evicted.
            cache.add(k, uuid.uuid4().hex, timeout=STAMP_TTL)
        found.update(cache.get_many(missing))
    # Dropped again between the add and the read (a write just now): a stamp of this reader's own,
    # never stored, so what it keeps is read by no one (not a shared empty stamp).
    return ".".join(str(found.get(k) or uuid.uuid4().hex) for k in keys), value


def kept(entry: str, scopes) -> tuple[str, object]:
    """The stamps of ``scopes`` now, and what is kept under ``entry`` if it was kept under those
    same stamps (else None). Both come from one read, made before the data: a value kept under
    older stamps (a write dropped one since) is never returned, as if its key had changed."""
    stamps, found = _stamps_and(scopes, entry)
    return stamps, _kept_with(found, stamps)


def _kept_with(found, stamps: str):
    """The value of a cache entry (``store``) if it was kept with ``stamps``, else None."""
    return found[1] if isinstance(found, tuple) and len(found) == 2 and found[0] == stamps else None


def store(entry: str, stamps: str, value, timeout: int = TTL) -> None:
    """Keep ``value`` under ``entry`` with the stamps read before its data (``kept``)."""
    cache.set(entry, (stamps, value), timeout)


def _drop(keys: set[str]) -> None:
    """Now, and again once the transaction has committed. The second drop is the one that makes
    it safe (a reader between the two may keep the old rows under a new stamp); the first lets
    the writer's own transaction read its writes (and tests, whose transactions never commit)."""
    keys = list(keys)
    cache.delete_many(keys)
    transaction.on_commit(lambda: cache.delete_many(keys))


# Who an issue is with: the work queues are kept under these (``queue`` views). A write drops the
# stamps of both the old and the new values (``Issue.loaded_handlers``), so an issue that leaves
# a queue drops it as surely as one that arrives.
HANDLER_FIELDS = ("holder_id", "handler_member_id", "handler_company_id", "handler_department_id")
HANDLER_SCOPES = ("holder", "member", "company", "department")
# What ``issues_changed`` is given for each issue written, in this order.
ISSUE_FIELDS = ("pk", "compound_id", "community_id", "subdistrict_id", "category_id", "reporter_id", *HANDLER_FIELDS)


def issues_changed(rows) -> None:
    """Rows of the ``ISSUE_FIELDS`` of the issues written (an issue's row before and after a
    change of hands: both)."""
    if not enabled():
        return
    keys = {_key(*ALL)}
    for pk, compound_id, community_id, subdistrict_id, category_id, reporter_id, *handlers in rows:
        keys.add(_key("issue", pk))
        keys.add(_key("compound", compound_id))
        keys.add(_key("community", community_id))
        keys.add(_key("subdistrict", subdistrict_id))
        keys.add(_key("category", category_id))
        if reporter_id:
            keys.add(_key("reporter", reporter_id))
        keys.update(_key(scope, pk) for scope, pk in zip(HANDLER_SCOPES, handlers, strict=True) if pk)
    _drop(keys)


def timeline_changed(issue_id) -> None:
    """An event or a photo of the issue was written."""
    if enabled():
        _drop({_key("issue", issue_id)})


def names_changed() -> None:
    if enabled():
        _drop({_key(*NAMES)})


def people_changed() -> None:
    if enabled():
        _drop({_key(*PEOPLE)})


def rollups_changed() -> None:
    if enabled():
        _drop({_key(*ROLLUPS)})


def roles_changed() -> None:
    if enabled():
        _drop({_key(*ROLES)})


def everything_changed() -> None:
    """After writes that no signal hears (the generators' COPY and bulk inserts): every kept
    value is read with the names' stamp (or the people's, or the roles'), so nothing kept before
    is read again."""
    names_changed()
    people_changed()
    roles_changed()


def issue_stamp(issue_id) -> str:
    """The stamps a part about one issue is kept under (read once per page, for all its parts):
    the names, the issue (its row, events and photos) and the people beside it."""
    return stamp(NAMES, ("issue", issue_id), PEOPLE)


def cached(name: str, scopes, parts, compute, *, fresh=None, keep=None, stamps: str | None = None):
    """``compute()``, kept under the stamps of the names and of ``scopes``, the language and
    ``parts`` (everything else the value depends on). ``fresh(value)``: whether a kept value still
    holds (for values that also age with the clock). ``keep(value)``: whether to keep a new value
    at all (a page asked for beyond the last is shown but not kept: its number is the caller's).
    ``stamps``: those stamps, already read by the caller (``issue_stamp``) before the data, in
    place of ``scopes``. Without the page cache, just ``compute()``."""
    if not enabled():
        return compute()
    from django.urls import get_script_prefix
    from django.utils import timezone
    from django.utils.translation import get_language

    from governance.caching import key

    # Rendered parts hold links (the script prefix), words (the language) and local times. The
    # stamps are not part of the key: the value is kept with them, and read with them (``kept``).
    k = key(f"page:{name}", get_language(), get_script_prefix(), timezone.get_current_timezone_name(), *parts)
    if stamps is None:
        stamps, value = kept(k, (NAMES, *scopes))  # the stamps first, then the data
    else:
        value = _kept_with(cache.get(k), stamps)
    if value is None or (fresh is not None and not fresh(value)):
        value = compute()
        if keep is None or keep(value):
            store(k, stamps, value)
    return value
