"""The URL walker: every route that takes an object's id, in every app, refuses people outside
the object's scope with 404 for every method, and changes nothing.

It knows no app: it walks ``get_resolver()`` (namespaces included, DRF routers' regex routes
too), picks the routes with an id in them, and fails when one appears that it has no object for,
so a new route is covered the day it is added. To cover one, map its name in ``OBJECT_OF`` to a
kind in ``BUILDERS`` (or add a builder); a route that is open to everyone on purpose goes into
``PUBLIC_BY_DESIGN`` with the reason.

The objects live in community B (or belong to B's officer); the people trying are outside it:
community A's officer, the admin of A's subdistrict, a resident of A and a stranger. The positive
control: B's officer reaches every one of them, so the 404s are not vacuous.
"""

import json
import re
from dataclasses import dataclass, field

import pytest
from django.apps import apps
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, converters, get_resolver, reverse

from compounds.models import Residency
from governance.accounts.models import Notification

METHODS = ("get", "post", "put", "patch", "delete")

# Route name → why anyone signed in may use it with any id.
PUBLIC_BY_DESIGN = {
    "compounds:claim": "any signed-in person may claim a household in any compound (compound names are public)",
    "compounds:claim-households": "the rooms of one building for the claim form: as public as the claim page",
    "open311:request": "Open311 GeoReport v2 serves public issues to anyone by design (public fields only: no "
    "reporter, no room; private, cancelled and merged issues are a 404); GET only (tests/issues/test_open311.py)",
}
# Routes whose object belongs to no place (so no scope can exclude anyone), and why they are safe.
UNSCOPED_BY_DESIGN = {
    "ratings:template": "rating templates are shared by the whole deployment; only system, district and "
    "subdistrict admins open them, and a used version never changes (tests/ratings/test_pages.py)",
    "ratings:template-new-version": "as ratings:template: admins copy any template into a new version",
}
# Routes the insider (B's officer) does not use: route name → who in B's scope reaches the object.
INSIDER_FOR = {
    "ratings:survey": lambda s: __import__("tests.ratings.walker", fromlist=["_"]).ratings_of(s)["resident"],
}
# Namespaces that are not walked, and why.
SKIPPED_NAMESPACES = {
    "admin": "Django's admin is for system admins only and has its own is_staff gate",
}

# Route name → the kind of object whose id goes into it.
OBJECT_OF = {
    # compounds pages
    "compounds:compound-detail": "compound",
    "compounds:compound-edit": "compound",
    "compounds:compound-history": "compound",
    "compounds:compound-households": "compound",
    "compounds:compound-import": "compound",
    "compounds:building-create": "compound",
    "compounds:building-edit": "building",
    "compounds:household-create": "building",
    "compounds:household-detail": "household",
    "compounds:household-edit": "household",
    "compounds:residency-detail": "residency",
    "compounds:residency-verify": "residency",
    "compounds:residency-reject": "residency",
    "compounds:residency-end": "residency",
    # REST API (DRF router names: <basename>-detail)
    "compound-detail": "compound",
    "building-detail": "building",
    "household-detail": "household",
    # accounts: one's own notifications only
    "accounts:notification-read": "notification",
    "accounts:notification-open": "notification",
    # committees (pages and API)
    "committees:compound": "compound",
    "committees:committee-create": "compound",
    "committees:contract-create": "compound",
    "committees:committee-edit": "committee_term",
    "committees:committee-dissolve": "committee_term",
    "committees:seat-add": "committee_term",
    "committees:seat-end": "committee_seat",
    "committees:company-detail": "property_company",
    "committees:company-edit": "property_company",
    "committees:staff-add": "property_company",
    "committees:staff-end": "property_staff",
    "committees:contract-end": "property_contract",
    "committee-detail": "committee_term",
    "committee-dissolve": "committee_term",
    "committee-seats": "committee_term",
    "committee-seat-detail": "committee_seat",
    "committee-seat-end": "committee_seat",
    "property-contract-detail": "property_contract",
    "property-contract-end": "property_contract",
    "property-company-detail": "property_company",
    "property-company-staff": "property_company",
    "property-staff-detail": "property_staff",
    "property-staff-end": "property_staff",
    # party (pages and API)
    "party:branch-detail": "party_branch",
    "party:branch-edit": "party_branch",
    "party:branch-dissolve": "party_branch",
    "party:member-add": "party_branch",
    "party:seat-add": "party_branch",
    "party:group-create": "party_branch",
    "party:leader-set": "party_branch",
    "party:zone-create": "party_branch",
    "party:member-detail": "party_member",
    "party:member-edit": "party_member",
    "party:member-leave": "party_member",
    "party:member-record": "party_member",
    "party:seat-end": "party_seat",
    "party:group-edit": "party_group",
    "party:zone-edit": "party_zone",
    "party:zone-end": "party_zone",
    "party:post-release": "party_claim",
    "party-branch-detail": "party_branch",
    "party-branch-add-member": "party_branch",
    "party-branch-add-seat": "party_branch",
    "party-branch-dissolve": "party_branch",
    "party-branch-set-leader": "party_branch",
    "party-member-detail": "party_member",
    "party-member-leave": "party_member",
    "party-group-detail": "party_group",
    "party-zone-detail": "party_zone",
    "party-zone-end": "party_zone",
    "party-checkin-detail": "party_checkin",
    "party-checkin-renew": "party_checkin",
    "party-seat-detail": "party_seat",
    "party-seat-end": "party_seat",
    # dashboards (pages)
    "dashboards:who-serves-us": "compound",
    "dashboards:rates-compound": "compound",
    # issues (pages, API, Open311)
    "issues:detail": "issue",
    "issues:board": "compound",
    "issues:photo": "issue_photo",
    "issues:support": "issue",
    **{f"issues:{slug}": "issue" for slug in (
        "acknowledge", "resolve", "rate", "reopen", "dispatch", "decide-extension", "request-extension",
        "return", "merge", "summon", "cancel", "comment",
    )},
    # issues REST API
    "issue-detail": "issue",
    "issue-timeline": "issue",
    "issue-acknowledge": "issue",
    "issue-resolve": "issue",
    "issue-return": "issue",
    "issue-dispatch": "issue",
    "issue-rate": "issue",
    "issue-reopen": "issue",
    "issue-cancel": "issue",
    "issue-merge": "issue",
    "issue-summon": "issue",
    "issue-comment": "issue",
    "issue-support": "issue",
    "issue-request-extension": "issue",
    "issue-extension-detail": "issue_extension",
    "issue-extension-decide": "issue_extension",
    "compound-public-issue-list": "compound",
    # joint meetings (pages)
    **{f"meetings:{slug}": "meeting" for slug in (
        "detail", "summary", "calendar", "reply", "invite", "agenda-pick", "agenda-add", "sign-in", "attendance",
        "minutes", "decide", "close", "move", "cancel",
    )},
    "meetings:action-done": "meeting_action",
    "meetings:summaries": "compound",
    # yearly ratings (pages)
    **{f"ratings:{slug}": "rating_campaign" for slug in (
        "detail", "progress", "score-now", "inspector", "lists", "export", "survey",
    )},
    "ratings:entries": "rating_subject",
    "ratings:score": "rating_score",
    "ratings:appeal": "rating_score",
    "ratings:appeal-decide": "rating_appeal",
    "ratings:attachment": "rating_attachment",
    "ratings:company-history": "rating_company",
    "ratings:committee-history": "compound",
    # joint meetings REST API
    **{f"meeting-{slug}": "meeting" for slug in ("detail", "calendar", "reply")},
    "meeting-action-complete": "meeting_action",
}


@dataclass
class Scene:
    world: object
    insider: object  # community B's officer: may see everything built below
    claim: Residency  # a claim waiting in B1
    cache: dict = field(default_factory=dict)


# Kind → the object, in community B's scope (or, for personal objects, belonging to the insider).
BUILDERS = {
    "compound": lambda s: s.world.b1,
    "building": lambda s: s.world.b_home.building,
    "household": lambda s: s.world.b_home,
    "residency": lambda s: s.claim,
    "notification": lambda s: Notification.objects.get(user=s.insider, kind="residency_submitted"),
    # committees kinds (build in community B's scope; use s.cache to build once)
    "committee_term": lambda s: __import__("tests.committees.factories", fromlist=["_"]).walker_object(s, "committee"),
    "committee_seat": lambda s: __import__("tests.committees.factories", fromlist=["_"]).walker_object(s, "seat"),
    "property_contract": lambda s: __import__("tests.committees.factories", fromlist=["_"]).walker_object(s, "contract"),
    "property_company": lambda s: __import__("tests.committees.factories", fromlist=["_"]).walker_object(s, "company"),
    "property_staff": lambda s: __import__("tests.committees.factories", fromlist=["_"]).walker_object(s, "staff"),
    # party kinds (build in community B's scope; use s.cache to build once)
    "party_branch": lambda s: __import__("tests.party.walker", fromlist=["party_of"]).party_of(s)["branch"],
    "party_member": lambda s: __import__("tests.party.walker", fromlist=["party_of"]).party_of(s)["member"],
    "party_seat": lambda s: __import__("tests.party.walker", fromlist=["party_of"]).party_of(s)["seat"],
    "party_group": lambda s: __import__("tests.party.walker", fromlist=["party_of"]).party_of(s)["group"],
    "party_zone": lambda s: __import__("tests.party.walker", fromlist=["party_of"]).party_of(s)["zone"],
    "party_checkin": lambda s: __import__("tests.party.walker", fromlist=["party_of"]).party_of(s)["checkin"],
    "party_claim": lambda s: __import__("tests.party.walker", fromlist=["party_of"]).party_of(s)["claim"],
    # issues kinds (build in community B's scope; use s.cache to build once)
    "issue": lambda s: __import__("tests.issues.walker", fromlist=["issues_of"]).issues_of(s)["issue"],
    "issue_photo": lambda s: __import__("tests.issues.walker", fromlist=["issues_of"]).issues_of(s)["photo"],
    "issue_extension": lambda s: __import__("tests.issues.walker", fromlist=["extension_of"]).extension_of(s),
    # joint meetings kinds (B's officer convenes in B1; use s.cache to build once)
    "meeting": lambda s: __import__("tests.meetings.walker", fromlist=["meetings_of"]).meetings_of(s)["meeting"],
    "meeting_action": lambda s: __import__("tests.meetings.walker", fromlist=["meetings_of"]).meetings_of(s)["action"],
    # yearly ratings kinds (a campaign of S2 rating B1, scored and published; see tests/ratings/walker.py)
    **{
        f"rating_{kind}": lambda s, kind=kind: __import__("tests.ratings.walker", fromlist=["_"]).ratings_of(s)[kind]
        for kind in ("campaign", "subject", "score", "appeal", "attachment", "company")
    },
}

ID_NAME = re.compile(r"^(pk|id|uuid|.+_pk|.+_id)$")
ID_CONVERTERS = (converters.IntConverter, converters.UUIDConverter)
# Keyword arguments that are not ids, and the value to route with.
OTHER_KWARGS = {"format": "json"}


@dataclass(frozen=True)
class Route:
    name: str | None
    route: str
    kwargs: tuple[str, ...]
    ids: tuple[str, ...]
    is_api: bool

    def __str__(self):
        return f"{self.name or '(unnamed)'} {self.route}"


def _ids_of(pattern, callback) -> set[str]:
    names = set(pattern.regex.groupindex)
    found = {n for n in names if ID_NAME.match(n)}
    route_converters = getattr(pattern, "converters", {})
    found |= {n for n, c in route_converters.items() if isinstance(c, ID_CONVERTERS)}
    view_class = getattr(callback, "cls", None)
    if view_class is not None:  # a DRF viewset's lookup, whatever it is called
        lookup = getattr(view_class, "lookup_url_kwarg", None) or getattr(view_class, "lookup_field", None)
        if lookup in names:
            found.add(lookup)
    return found


def discover() -> list[Route]:
    """Every URL pattern whose route (its own or an including prefix) takes an object id."""
    from rest_framework.views import APIView

    found = []

    def walk(resolver, prefix, namespace, inherited_ids, inherited_kwargs):
        for p in resolver.url_patterns:
            route = prefix + str(p.pattern)
            ids = inherited_ids | _ids_of(p.pattern, getattr(p, "callback", None))
            kwargs = inherited_kwargs | set(p.pattern.regex.groupindex)
            if isinstance(p, URLResolver):
                if p.namespace in SKIPPED_NAMESPACES:
                    continue
                ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
                walk(p, route, ns, ids, kwargs)
            elif isinstance(p, URLPattern) and ids:
                view_class = getattr(p.callback, "cls", None)
                found.append(
                    Route(
                        name=f"{namespace}{p.name}" if p.name else None,
                        route=route,
                        kwargs=tuple(sorted(kwargs)),
                        ids=tuple(sorted(ids)),
                        is_api=isinstance(view_class, type) and issubclass(view_class, APIView),
                    )
                )

    walk(get_resolver(), "", "", set(), set())
    return found


ROUTES = discover()


def _walked():
    return [r for r in ROUTES if r.name not in PUBLIC_BY_DESIGN and r.name not in UNSCOPED_BY_DESIGN]


def _url(route: Route, scene: Scene) -> str:
    obj = scene.cache.setdefault(OBJECT_OF[route.name], BUILDERS[OBJECT_OF[route.name]](scene))
    kwargs = {name: obj.pk for name in route.ids}
    kwargs |= {name: OTHER_KWARGS[name] for name in route.kwargs if name not in route.ids}
    return reverse(route.name, kwargs=kwargs)


def _project_models():
    """Every table of the project's own apps (history tables included), plus guardian's and the
    API tokens: whatever a wrongly allowed request could write."""
    base = str(settings.BASE_DIR)
    chosen = []
    for config in apps.get_app_configs():
        if (config.path.startswith(base) and "/.venv/" not in config.path) or config.label in {"guardian", "authtoken"}:
            chosen.extend(config.get_models())
    return chosen


def _snapshot(models):
    return {m._meta.label: list(m.objects.order_by("pk").values()) for m in models}


def _attempt(client, method, url):
    if method == "get":
        return client.get(url)
    if method == "post":
        # What a create, edit, import or decision would need: a wrongly allowed POST would write.
        data = {
            "name": "越权",
            "code": "HACK",
            "room": "999",
            "unit": "",
            "exclusive_area": "1.00",
            "floors": "3",
            "reason": "越权",
            "relation": "owner",
            "file": SimpleUploadedFile("h.csv", "building,room,exclusive_area\n9 号楼,901,50\n".encode()),
        }
        return client.post(url, data)
    body = json.dumps({"name": "越权", "room": "999", "exclusive_area": "1.00"})
    return getattr(client, method)(url, data=body, content_type="application/json")


@pytest.fixture
def scene(world, other_officer, b_claim):
    return Scene(world=world, insider=other_officer, claim=b_claim)


def test_every_route_with_an_id_is_walked_or_public_by_design():
    unnamed = [str(r) for r in ROUTES if r.name is None]
    assert not unnamed, f"give these routes a name so the walker can map them: {unnamed}"
    unmapped = sorted({r.name for r in ROUTES} - set(OBJECT_OF) - set(PUBLIC_BY_DESIGN) - set(UNSCOPED_BY_DESIGN))
    assert not unmapped, (
        f"new routes with an object id: {unmapped}. Map each in OBJECT_OF to a kind in BUILDERS "
        "(an object outside community A's scope), or add it to PUBLIC_BY_DESIGN with the reason."
    )
    unknown_kwargs = sorted({(str(r), k) for r in _walked() for k in r.kwargs if k not in r.ids and k not in OTHER_KWARGS})
    assert not unknown_kwargs, f"routes with arguments the walker cannot fill: {unknown_kwargs}"
    assert set(OBJECT_OF.values()) <= set(BUILDERS)


def test_the_walker_map_names_only_routes_that_exist():
    """A renamed route must not leave a stale entry that silently covers nothing."""
    names = {r.name for r in ROUTES}
    assert set(OBJECT_OF) <= names, sorted(set(OBJECT_OF) - names)
    assert set(PUBLIC_BY_DESIGN) <= names, sorted(set(PUBLIC_BY_DESIGN) - names)
    assert set(UNSCOPED_BY_DESIGN) | set(INSIDER_FOR) <= names, sorted((set(UNSCOPED_BY_DESIGN) | set(INSIDER_FOR)) - names)


def test_the_walker_finds_page_and_api_routes():
    """Guards the walker itself: if discovery broke, the tests below would pass over nothing."""
    names = {r.name for r in ROUTES}
    assert {"compounds:household-detail", "household-detail", "accounts:notification-open"} <= names
    assert any(r.is_api and "format" in r.kwargs for r in ROUTES)  # DRF's .json suffix routes
    assert not any(r.name and r.name.startswith("admin:") for r in ROUTES)


# Who tries, and with which methods: A's officer and a stranger with every method; the admin of
# A's subdistrict and a resident of A (other ways of holding a scope) look (GET) too.
OUTSIDERS = {
    "officer": METHODS,
    "stranger": METHODS,
    "subdistrict_admin": ("get",),
    "resident": ("get",),
}


def _logged_in(request, names):
    clients = {}
    for who in names:
        clients[who] = Client()
        clients[who].force_login(request.getfixturevalue(who))
    return clients


def walk_as_outsiders(routes, scene, clients) -> list[str]:
    """Try every route with every outsider and method; return what went wrong."""
    models = _project_models()
    failures = []
    for route in routes:
        url = _url(route, scene)
        before = _snapshot(models)
        for who, client in clients.items():
            for method in OUTSIDERS[who]:
                response = _attempt(client, method, url)
                if response.status_code != 404:
                    failures.append(f"{who} {method.upper()} {url} ({route.name}) → {response.status_code}")
                elif route.is_api and "error" not in response.json():
                    failures.append(f"{who} {method.upper()} {url} ({route.name}) → 404 without an error body")
        after = _snapshot(models)
        changed = [label for label in before if before[label] != after[label]]
        if changed:
            failures.append(f"{url} ({route.name}) changed {changed}")
    return failures


def test_people_outside_the_scope_get_404_for_every_method_and_nothing_changes(request, scene):
    failures = walk_as_outsiders(_walked(), scene, _logged_in(request, OUTSIDERS))
    assert not failures, "\n".join(failures)


def test_the_officer_in_scope_reaches_every_walked_route(client, scene):
    """The positive control: B's officer gets past the 404 on GET (a 405 for POST-only routes
    still proves the object was found)."""
    failures = []
    for route in _walked():
        url = _url(route, scene)
        client.force_login(INSIDER_FOR[route.name](scene) if route.name in INSIDER_FOR else scene.insider)
        status = client.get(url).status_code
        if status == 404 or status >= 500:
            failures.append(f"GET {url} ({route.name}) → {status}")
    assert not failures, "\n".join(failures)


# Public routes whose URL is not just a compound's id: name → the URL to try, from the scene.
PUBLIC_URLS = {
    "open311:request": lambda s: reverse(
        "open311:request",
        kwargs={"service_request_id": __import__("tests.issues.walker", fromlist=["_"]).issues_of(s)["issue"].pk, "format": "json"},
    ),
}


@pytest.mark.parametrize("name", sorted(PUBLIC_BY_DESIGN))
def test_public_by_design_routes_are_really_open_to_anyone_signed_in(client, scene, stranger, name):
    client.force_login(stranger)
    url = PUBLIC_URLS[name](scene) if name in PUBLIC_URLS else reverse(name, args=[scene.world.b1.pk])
    assert client.get(url).status_code == 200


# --- The walker checks itself: a leaky route added to the URLconf is caught ------------------


@pytest.fixture
def leaky_urlconf(settings):
    settings.ROOT_URLCONF = "tests.compounds.leaky_urls"
    return discover()


def test_a_new_route_with_an_id_and_no_mapping_fails_the_coverage_check(leaky_urlconf):
    unmapped = {r.name for r in leaky_urlconf} - set(OBJECT_OF) - set(PUBLIC_BY_DESIGN) - set(UNSCOPED_BY_DESIGN)
    assert unmapped == {"leak", "leak-nested"}


def test_a_mapped_route_that_leaks_and_writes_is_reported(request, monkeypatch, scene, leaky_urlconf):
    monkeypatch.setitem(OBJECT_OF, "leak", "household")
    route = next(r for r in leaky_urlconf if r.name == "leak")
    clients = _logged_in(request, ["officer"])

    failures = walk_as_outsiders([route], scene, clients)

    assert any("officer GET" in f and "→ 200" in f for f in failures), failures
    assert any("changed" in f and "compounds.Household" in f for f in failures), failures
