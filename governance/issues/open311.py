"""Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2) at /open311/v2/.

- discovery.{json,xml}, services.{json,xml}, services/{service_code}.{json,xml}: open to anyone;
- POST requests.{json,xml}: an application with an API key (``clients``) files an issue for a
  resident; the location (lat/long, or an address naming a compound) picks the compound;
- GET requests.{json,xml} and requests/{id}.{json,xml}: the public issues (not private, not
  withdrawn or merged) — public fields only: never the reporter, never the room, and the
  description only of requests filed through Open311 (empty for the others).

Errors follow the spec: a list of {code, description} (JSON) or <errors><error>… (XML), with the
same HTTP status. Remote media (``media_url``) are not fetched.
"""

import json
import math
import xml.etree.ElementTree as ET
from datetime import datetime, time, timedelta
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db.models import Q
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from compounds.models import Compound

from . import generations, services
from .clients import open311_client_for_key, open311_client_used
from .models import DESCRIPTION_MAX, Category, Channel, HandlerKind, Issue
from .states import OPEN_STATES, VOID_STATES

SPEC = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-11-24T00:00:00+08:00"
RADIUS_M = 500
WINDOW_DAYS = 90
MAX_RESULTS = 1000  # ids in one service_request_id list
# GET requests returns a page of results, newest first: ``page_size`` (default 50, at most 200)
# and ``page`` (from 1), the extension other GeoReport v2 servers use (Chicago, SeeClickFix).
# The spec leaves the number of results to the server; a city-wide 90-day window can hold tens
# of thousands, which no client wants in one response.
PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
MAX_PAGE = 1000
EARTH_RADIUS_M = 6_371_000


class FormatConverter:
    """The format suffix the spec requires: json or xml (anything else is a 404)."""

    regex = "json|xml"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


class Open311Error(Exception):
    def __init__(self, code: int, description: str):
        self.code = code
        self.description = description
        super().__init__(description)


# --- output -------------------------------------------------------------------------------------


def _xml(root: ET.Element, status=200) -> HttpResponse:
    body = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return HttpResponse(body, status=status, content_type="text/xml; charset=utf-8")


def _json(data, status=200) -> HttpResponse:
    return HttpResponse(
        json.dumps(data, ensure_ascii=False), status=status, content_type="application/json; charset=utf-8"
    )


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _records(fmt: str, root: str, item: str, rows: list[dict], status=200) -> HttpResponse:
    """A list of flat records: JSON array, or <root><item><field>…</field></item></root>."""
    if fmt == "json":
        return _json(rows, status)
    top = ET.Element(root)
    for row in rows:
        el = ET.SubElement(top, item)
        for key, value in row.items():
            ET.SubElement(el, key).text = _text(value)
    return _xml(top, status)


def error(fmt: str, code: int, description: str) -> HttpResponse:
    return _records(fmt, "errors", "error", [{"code": code, "description": description}], status=code)


def _w3c(dt) -> str | None:
    return timezone.localtime(dt).isoformat(timespec="seconds") if dt else None


def _only(request, fmt, *methods):
    if request.method not in methods:
        response = error(fmt, 405, _("Method not allowed."))
        response["Allow"] = ", ".join(methods)
        return response
    return None


def open311_view(*methods):
    """Method check, and an ``Open311Error`` raised inside becomes the spec's error body."""

    def wrap(view):
        def inner(request, *args, format, **kwargs):
            if response := _only(request, format, *methods):
                return response
            try:
                return view(request, *args, format=format, **kwargs)
            except Open311Error as exc:
                return error(format, exc.code, exc.description)

        inner.__name__ = view.__name__
        inner.__doc__ = view.__doc__
        return csrf_exempt(inner)

    return wrap


# --- discovery and services --------------------------------------------------------------------


@open311_view("GET", "HEAD")
def discovery(request, format):
    base = request.build_absolute_uri(reverse("open311:discovery", kwargs={"format": format})).rsplit("/", 1)[0] + "/"
    data = {
        "changeset": CHANGESET,
        "contact": _("Write to the district's system administrator."),
        "key_service": _("API keys are issued by the district's system administrator."),
        "endpoints": [
            {
                "specification": SPEC,
                "url": base,
                "changeset": CHANGESET,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    if format == "json":
        return _json(data)
    root = ET.Element("discovery")
    for key in ("changeset", "contact", "key_service"):
        ET.SubElement(root, key).text = data[key]
    endpoints = ET.SubElement(root, "endpoints")
    for ep in data["endpoints"]:
        el = ET.SubElement(endpoints, "endpoint")
        for key in ("specification", "url", "changeset", "type"):
            ET.SubElement(el, key).text = ep[key]
        formats = ET.SubElement(el, "formats")
        for f in ep["formats"]:
            ET.SubElement(formats, "format").text = f
    return _xml(root)


# Our categories carry no extra questions: every service definition has no attributes, so the
# list says metadata=false (the definition endpoint still answers, with an empty list).
ATTRIBUTES: dict[str, list[dict]] = {}


def _service(category: Category) -> dict:
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": category.description or category.name,
        "metadata": bool(ATTRIBUTES.get(category.code)),
        "type": "realtime",
        "keywords": ",".join(dict.fromkeys([category.code, category.name_zh, category.name_en, category.group])),
        "group": category.get_group_display(),
    }


@open311_view("GET", "HEAD")
def service_list(request, format):
    rows = [_service(c) for c in Category.objects.filter(active=True)]
    return _records(format, "services", "service", rows)


@open311_view("GET", "HEAD")
def service_definition(request, service_code, format):
    category = Category.objects.filter(active=True, code=service_code).first()
    if category is None:
        raise Open311Error(404, _("Unknown service_code: %(code)s.") % {"code": service_code})
    attributes = ATTRIBUTES.get(category.code, [])
    if format == "json":
        return _json({"service_code": category.code, "attributes": attributes})
    root = ET.Element("service_definition")
    ET.SubElement(root, "service_code").text = category.code
    attrs = ET.SubElement(root, "attributes")
    for attribute in attributes:
        el = ET.SubElement(attrs, "attribute")
        for key, value in attribute.items():
            ET.SubElement(el, key).text = _text(value)
    return _xml(root)


# --- requests: reading ------------------------------------------------------------------------


def public_requests():
    return (
        Issue.objects.filter(private=False)
        .exclude(state__in=VOID_STATES)
        .select_related(
            "category", "compound", "building", "branch", "community", "subdistrict",
            "handler_company", "handler_committee__compound", "handler_department",
        )
        # Only the columns a record shows: the join is ten tables wide, and fetching and building
        # fifty rows of every column of each (123 columns a row) was most of the request.
        .only(*RECORD_FIELDS)
        .order_by("-created_at", "-id")
    )


RECORD_FIELDS = (
    "id", "state", "escalation_count", "level", "description", "channel", "created_at", "updated_at",
    "resolution_due", "latitude", "longitude", "common_area", "handler_kind", "handler_member", "private",
    "category__name_zh", "category__name_en", "category__code",
    "compound__name", "compound__address", "compound__code", "compound__latitude", "compound__longitude",
    "building__name", "branch__name", "community__name", "subdistrict__name", "handler_company__name",
    "handler_committee__kind", "handler_committee__term_start", "handler_committee__term_end",
    "handler_committee__compound__name", "handler_department__name",
)


def _agency(issue: Issue) -> str:
    """Who handles it, as an organisation: a member is named by their branch, not by name."""
    if issue.handler_kind == HandlerKind.MEMBER:
        return str(issue.branch) if issue.branch_id else HandlerKind.MEMBER.label
    return issue.handler_label


def _status_notes(issue: Issue) -> str:
    notes = issue.get_state_display()
    if issue.escalation_count:
        notes += " · " + _("escalated to: %(level)s") % {"level": issue.get_level_display()}
    return notes


def _address(issue: Issue) -> str:
    compound = issue.compound
    parts = [compound.name, compound.address, issue.public_location]
    return " ".join(p for p in parts if p)


def _coordinate(issue_value, compound_value):
    value = issue_value if issue_value is not None else compound_value
    return float(value) if value is not None else None


def request_record(issue: Issue) -> dict:
    return {
        "service_request_id": issue.pk,
        "status": "open" if issue.state in OPEN_STATES else "closed",
        "status_notes": _status_notes(issue),
        "service_name": issue.category.name,
        "service_code": issue.category.code,
        # A resident's description may hold a room, a name or a phone: only what was filed through
        # Open311 itself (a public-by-design channel) is published; the field stays, empty.
        "description": issue.description if issue.channel == Channel.OPEN311 else "",
        "agency_responsible": _agency(issue),
        "service_notice": "",
        "requested_datetime": _w3c(issue.created_at),
        "updated_datetime": _w3c(issue.updated_at),
        "expected_datetime": _w3c(issue.resolution_due) if issue.state in OPEN_STATES else None,
        "address": _address(issue),
        "address_id": issue.compound.code,
        "zipcode": "",
        "lat": _coordinate(issue.latitude, issue.compound.latitude),
        "long": _coordinate(issue.longitude, issue.compound.longitude),
    }


def _when(value: str, name: str):
    value = value.strip()
    bad = Open311Error(400, _("%(name)s must be a W3C datetime, e.g. 2026-11-24T08:00:00+08:00.") % {"name": name})
    try:
        # Well-formed but impossible values (month 13, 30 February) raise ValueError.
        dt = parse_datetime(value)
        day = parse_date(value) if dt is None else None
    except ValueError:
        raise bad from None
    if dt is None:
        if day is None:
            raise bad
        dt = datetime.combine(day, datetime.min.time())
    if timezone.is_naive(dt):
        dt = timezone.make_aware(dt)
    return dt


def _get_requests(request, format):
    params = request.GET
    qs = public_requests()
    ids = params.get("service_request_id", "").strip()
    if ids:
        # The spec: with service_request_id the other parameters are ignored.
        wanted = [x.strip() for x in ids.split(",") if x.strip()]
        if not wanted or not all(x.isdigit() for x in wanted) or len(wanted) > MAX_RESULTS:
            raise Open311Error(400, _("service_request_id must be a comma-separated list of ids."))
        rows = [request_record(i) for i in qs.filter(pk__in=[int(x) for x in wanted])]
        return _records(format, "service_requests", "request", rows)
    end = _when(params["end_date"], "end_date") if params.get("end_date", "").strip() else None
    start = _when(params["start_date"], "start_date") if params.get("start_date", "").strip() else None
    # A window of whole days fixed by the caller's dates is kept (below); one that ends now moves
    # with the clock, and one of arbitrary instants would let any caller fill the cache.
    fixed = (start is not None or end is not None) and all(
        timezone.localtime(dt).time() == time.min for dt in (start, end) if dt is not None
    )
    if end is None:
        end = start + timedelta(days=WINDOW_DAYS) if start is not None else timezone.now()
    if start is None:
        start = end - timedelta(days=WINDOW_DAYS)
    if end < start:
        raise Open311Error(400, _("end_date must not be before start_date."))
    if end - start > timedelta(days=WINDOW_DAYS):
        raise Open311Error(400, _("The date range may span at most %(n)s days.") % {"n": WINDOW_DAYS})
    qs = qs.filter(created_at__gte=start, created_at__lte=end)
    codes = [c.strip() for c in params.get("service_code", "").split(",") if c.strip()]
    category_ids = None
    if codes:
        # Ids first (a tiny query): filtering on the joined code hid the category from the planner,
        # which then joined and sorted every request of the window instead of reading the newest
        # off the (category, created_at, id) index.
        category_ids = sorted(Category.objects.filter(code__in=codes).values_list("pk", flat=True))
        qs = qs.filter(category_id__in=category_ids)
    wanted = {s.strip() for s in params.get("status", "").split(",") if s.strip()}
    if wanted - {"open", "closed"}:
        raise Open311Error(400, _("status must be open, closed, or both."))
    if wanted == {"open"}:
        qs = qs.filter(state__in=OPEN_STATES)
    elif wanted == {"closed"}:
        qs = qs.exclude(state__in=OPEN_STATES)
    size, page = _positive(params, "page_size", PAGE_SIZE, MAX_PAGE_SIZE), _positive(params, "page", 1, MAX_PAGE)

    def records():
        return [request_record(i) for i in qs[(page - 1) * size : page * size]]

    if not fixed:
        return _records(format, "service_requests", "request", records())
    # Kept until an issue of these services (of any, without service_code) or a name changes.
    scopes = [("category", pk) for pk in category_ids] if category_ids is not None else [generations.ALL]
    parts = (start.isoformat(), end.isoformat(), category_ids, sorted(wanted), size, page)
    rows = generations.cached("open311-requests", scopes, parts, records)
    return _records(format, "service_requests", "request", rows)


def _positive(params, name: str, default: int, most: int) -> int:
    raw = params.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or not 1 <= int(raw) <= most:
        raise Open311Error(400, _("%(name)s must be a whole number from 1 to %(most)s.") % {"name": name, "most": most})
    return int(raw)


@open311_view("GET", "HEAD", "POST")
def requests_view(request, format):
    if request.method == "POST":
        return _post_request(request, format)
    return _get_requests(request, format)


@open311_view("GET", "HEAD")
def request_detail(request, service_request_id, format):
    issue = public_requests().filter(pk=service_request_id).first()
    if issue is None:
        raise Open311Error(404, _("Unknown service_request_id: %(id)s.") % {"id": service_request_id})
    return _records(format, "service_requests", "request", [request_record(issue)])


# --- requests: filing -------------------------------------------------------------------------


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """The great-circle distance in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


def compound_near(lat: float, lon: float, radius_m: float = RADIUS_M) -> Compound | None:
    """The nearest compound with coordinates within ``radius_m`` (a bounding box first, in SQL)."""
    dlat = radius_m / 111_320
    dlon = radius_m / (111_320 * max(math.cos(math.radians(lat)), 0.01))
    candidates = Compound.objects.filter(
        latitude__isnull=False,
        longitude__isnull=False,
        latitude__gte=Decimal(str(lat - dlat)),
        latitude__lte=Decimal(str(lat + dlat)),
        longitude__gte=Decimal(str(lon - dlon)),
        longitude__lte=Decimal(str(lon + dlon)),
    )
    best = None
    for compound in candidates:
        d = haversine_m(lat, lon, float(compound.latitude), float(compound.longitude))
        if d <= radius_m and (best is None or d < best[0] or (d == best[0] and compound.pk < best[1].pk)):
            best = (d, compound)
    return best[1] if best else None


def compound_at(address: str) -> Compound | None:
    """The compound an address names: one whose name or address the text contains (or equals);
    the longest such name wins."""
    text = address.strip()
    if not text:
        return None
    exact = Compound.objects.filter(Q(name=text) | Q(address=text)).order_by("pk").first()
    if exact is not None:
        return exact
    found = [
        c
        for c in Compound.objects.only("pk", "name", "address", "community_id")
        if (c.name and c.name in text) or (c.address and c.address in text)
    ]
    found.sort(key=lambda c: (-max(len(c.name) if c.name in text else 0, len(c.address) if c.address and c.address in text else 0), c.pk))
    return found[0] if found else None


def _coordinate_param(value: str, name: str, limit: float) -> float:
    try:
        number = float(Decimal(value.strip()))
    except (InvalidOperation, ValueError):
        raise Open311Error(400, _("%(name)s must be a decimal number.") % {"name": name}) from None
    if not math.isfinite(number) or abs(number) > limit:
        raise Open311Error(400, _("%(name)s is out of range.") % {"name": name})
    return number


def _post_request(request, format):
    data = request.POST
    key = data.get("api_key", "").strip()
    if not key:
        raise Open311Error(400, _("api_key is required."))
    client = open311_client_for_key(key)
    if client is None:
        raise Open311Error(403, _("Invalid api_key."))
    code = data.get("service_code", "").strip()
    if not code:
        raise Open311Error(400, _("service_code is required."))
    category = Category.objects.filter(active=True, code=code).first()
    if category is None:
        raise Open311Error(404, _("Unknown service_code: %(code)s.") % {"code": code})
    lat_raw, long_raw = data.get("lat", "").strip(), data.get("long", "").strip()
    address = data.get("address_string", "").strip()
    latitude = longitude = None
    if lat_raw or long_raw:
        if not (lat_raw and long_raw):
            raise Open311Error(400, _("Give both lat and long."))
        latitude = _coordinate_param(lat_raw, "lat", 90)
        longitude = _coordinate_param(long_raw, "long", 180)
        compound = compound_near(latitude, longitude)
        if compound is None:
            raise Open311Error(400, _("No compound within %(m)s m of this location.") % {"m": RADIUS_M})
    elif address:
        compound = compound_at(address)
        if compound is None:
            raise Open311Error(400, _("No compound matches this address_string."))
    elif address_id := data.get("address_id", "").strip():
        # The address_id our requests carry: the compound's code.
        compound = Compound.objects.filter(code=address_id).first()
        if compound is None:
            raise Open311Error(400, _("Unknown address_id: %(id)s.") % {"id": address_id})
    else:
        raise Open311Error(400, _("A location is required: lat and long, address_string or address_id."))
    description = data.get("description", "").strip()
    if not description:
        raise Open311Error(400, _("description is required."))
    if len(description) > DESCRIPTION_MAX:
        raise Open311Error(400, _("description may have at most %(n)s characters.") % {"n": DESCRIPTION_MAX})
    email = data.get("email", "").strip()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise Open311Error(400, _("email is not a valid e-mail address.")) from None
    name = " ".join(p for p in (data.get("first_name", "").strip(), data.get("last_name", "").strip()) if p)
    phone = data.get("phone", "").strip()
    if len(name) > 100 or len(phone) > 20 or len(address) > 100:
        raise Open311Error(400, _("first_name, last_name, phone or address_string is too long."))
    # Where in the compound: what the application said, else its coordinates, else the compound.
    common_area = address
    if not common_area and latitude is not None:
        common_area = _("At %(lat).6f, %(long).6f") % {"lat": latitude, "long": longitude}
    common_area = common_area or compound.name
    try:
        issue = services.issue_file(
            actor=None,
            client=client,
            channel=Channel.OPEN311,
            compound=compound,
            category=category,
            description=description,
            common_area=common_area,
            reporter_name=name,
            reporter_phone=phone,
            reporter_email=email,
            latitude=Decimal(f"{latitude:.6f}") if latitude is not None else None,
            longitude=Decimal(f"{longitude:.6f}") if longitude is not None else None,
        )
    except ValidationError as exc:
        raise Open311Error(400, " ".join(exc.messages)) from None
    except PermissionDenied:
        raise Open311Error(403, _("This application may not file requests.")) from None
    open311_client_used(client)
    notice = _("Received as %(ref)s; the response is due by %(due)s.") % {
        "ref": issue.reference, "due": _w3c(issue.response_due),
    }
    if data.get("media_url", "").strip():
        notice += " " + _("Remote media are not fetched; attach photos in Linli instead.")
    row = {"service_request_id": issue.pk, "service_notice": notice, "account_id": data.get("account_id", "").strip()}
    return _records(format, "service_requests", "request", [row], status=201)
