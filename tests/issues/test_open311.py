"""Open311 GeoReport v2 at /open311/v2/: discovery, services, service definitions, filing a
request with an application's key, and reading public requests — in JSON and XML, with the
spec's errors, and never a reporter's identity or room."""

import json
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from governance.issues import services
from governance.issues.clients import open311_client_create, open311_client_for_key
from governance.issues.models import Category, Channel, HandlerKind, Issue, IssueEvent, Open311Client
from governance.issues.open311 import haversine_m
from governance.issues.states import State

from .factories import file_issue

BASE = "/open311/v2/"
FORMATS = ("json", "xml")
REQUEST_FIELDS = {
    "service_request_id", "status", "status_notes", "service_name", "service_code", "description",
    "agency_responsible", "service_notice", "requested_datetime", "updated_datetime", "expected_datetime",
    "address", "address_id", "zipcode", "lat", "long",
}


def parse(response, fmt):
    """JSON as loaded; XML as (root tag, [dict of each item's children]) — or the root itself."""
    if fmt == "json":
        assert response["Content-Type"].startswith("application/json")
        return json.loads(response.content)
    assert response["Content-Type"].startswith("text/xml")
    assert response.content.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    return ET.fromstring(response.content)


def items(response, fmt, root, item):
    """The list of records of a list response, as dicts of strings (XML) or values (JSON)."""
    data = parse(response, fmt)
    if fmt == "json":
        assert isinstance(data, list)
        return data
    assert data.tag == root
    assert all(child.tag == item for child in data)
    return [{field.tag: (field.text or "") for field in child} for child in data]


def errors(response, fmt):
    rows = items(response, fmt, "errors", "error")
    assert rows and all(set(r) == {"code", "description"} for r in rows)
    assert all(str(r["code"]) == str(response.status_code) for r in rows)
    return rows


def snapshot():
    return {m._meta.label: list(m.objects.order_by("pk").values()) for m in (Issue, IssueEvent, Open311Client)}


@pytest.fixture
def located(world):
    """A1 at 30.27 N 120.15 E with a street address; B1 about 3.5 km away."""
    world.a1.latitude, world.a1.longitude, world.a1.address = Decimal("30.270000"), Decimal("120.150000"), "文三路 100 号"
    world.a1.save()
    world.b1.latitude, world.b1.longitude = Decimal("30.290000"), Decimal("120.180000")
    world.b1.save()
    return world


@pytest.fixture
def key(db):
    _client, raw = open311_client_create(actor=None, name="市民随手拍", contact_email="dev@example.org")
    return raw


@pytest.fixture
def anon():
    # Error texts are translated; assertions quote the English ones.
    return Client(HTTP_ACCEPT_LANGUAGE="en")


def post(anon, fmt, **data):
    return anon.post(f"{BASE}requests.{fmt}", data)


# --- keys ---------------------------------------------------------------------------------------


def test_a_client_key_is_stored_only_as_its_hash(db):
    client, raw = open311_client_create(actor=None, name="App")
    assert len(raw) >= 40 and client.key_prefix == raw[:8]
    assert client.key_hash != raw and len(client.key_hash) == 64 and raw not in str(Open311Client.objects.values())
    assert open311_client_for_key(raw) == client
    assert open311_client_for_key(raw + "x") is None and open311_client_for_key("") is None
    Open311Client.objects.filter(pk=client.pk).update(active=False)
    assert open311_client_for_key(raw) is None


def test_the_management_command_prints_a_working_key_once(db):
    out = StringIO()
    call_command("open311_client", "街道 App", "--email", "dev@example.org", stdout=out)
    raw = out.getvalue().split("store it now): ")[1].strip()
    client = open311_client_for_key(raw)
    assert client is not None and client.name == "街道 App" and client.contact_email == "dev@example.org"


# --- discovery and services -------------------------------------------------------------------


def test_discovery_names_the_spec_and_both_formats(anon, db):
    data = parse(anon.get(f"{BASE}discovery.json"), "json")
    assert {"changeset", "contact", "key_service", "endpoints"} <= set(data)
    endpoint = data["endpoints"][0]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"].endswith("/open311/v2/") and endpoint["type"] == "production"
    assert set(endpoint["formats"]) == {"text/xml", "application/json"}
    root = parse(anon.get(f"{BASE}discovery.xml"), "xml")
    assert root.tag == "discovery" and root.find("changeset").text
    formats = [f.text for f in root.find("endpoints/endpoint/formats")]
    assert root.find("endpoints/endpoint/specification").text == "http://wiki.open311.org/GeoReport_v2"
    assert set(formats) == {"text/xml", "application/json"}


@pytest.mark.parametrize("url", ["discovery.yaml", "services.html", "requests", "requests.JSON", "requests/1.txt",
                                 "services/sanitation"])
def test_a_missing_or_unknown_format_is_a_404(anon, db, url):
    assert anon.get(BASE + url).status_code == 404


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_services_list_has_every_field_of_the_spec(anon, db, fmt):
    rows = items(anon.get(f"{BASE}services.{fmt}"), fmt, "services", "service")
    by_code = {r["service_code"]: r for r in rows}
    assert "sanitation" in by_code and "elevator-trapped" in by_code
    row = by_code["sanitation"]
    assert set(row) == {"service_code", "service_name", "description", "metadata", "type", "keywords", "group"}
    assert row["metadata"] in (False, "false") and row["type"] == "realtime"
    assert row["service_name"] and row["group"] and "sanitation" in row["keywords"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_service_definition_has_its_code_and_no_attributes(anon, db, fmt):
    response = anon.get(f"{BASE}services/elevator-trapped.{fmt}")
    assert response.status_code == 200
    if fmt == "json":
        assert parse(response, fmt) == {"service_code": "elevator-trapped", "attributes": []}
    else:
        root = parse(response, fmt)
        assert root.tag == "service_definition" and root.find("service_code").text == "elevator-trapped"
        assert root.find("attributes") is not None and list(root.find("attributes")) == []
    missing = anon.get(f"{BASE}services/no-such-thing.{fmt}")
    assert missing.status_code == 404 and "no-such-thing" in errors(missing, fmt)[0]["description"]


# --- filing -------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_application_files_a_request_by_coordinates(anon, located, key, company, fmt):
    response = post(anon, fmt, api_key=key, service_code="sanitation", lat="30.2705", long="120.1503",
                    description="北门垃圾桶满了。", first_name="五", last_name="王", phone="13500001111",
                    email="wang@example.org", account_id="acct-7", media_url="https://example.org/x.jpg",
                    device_id="dev-1", jurisdiction_id="xiling")
    assert response.status_code == 201, response.content
    rows = items(response, fmt, "service_requests", "request")
    assert len(rows) == 1 and set(rows[0]) == {"service_request_id", "service_notice", "account_id"}
    issue = Issue.objects.get(pk=int(rows[0]["service_request_id"]))
    assert rows[0]["account_id"] == "acct-7" and "not fetched" in rows[0]["service_notice"]
    assert issue.channel == Channel.OPEN311 and issue.client.name == "市民随手拍" and issue.reporter is None
    assert issue.compound == located.a1 and issue.latitude == Decimal("30.270500")
    assert issue.reporter_name == "五 王" and issue.reporter_phone == "13500001111"
    assert issue.reporter_email == "wang@example.org"
    assert issue.handler_kind == HandlerKind.PROPERTY and issue.state == State.DISPATCHED  # routed
    assert issue.client.last_used_at is not None


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_application_files_a_request_by_address(anon, located, key, fmt):
    for address in ("江工塑院小区 北门", "杭州市文三路 100 号 东侧"):
        response = post(anon, fmt, api_key=key, service_code="noise", address_string=address, description="夜里施工。")
        assert response.status_code == 201, response.content
        issue = Issue.objects.get(pk=int(items(response, fmt, "service_requests", "request")[0]["service_request_id"]))
        assert issue.compound == located.a1 and issue.common_area == address and issue.latitude is None


def test_an_application_files_a_request_by_address_id(anon, located, key):
    response = post(anon, "json", api_key=key, service_code="noise", address_id=located.a1.code, description="夜里施工。")
    assert response.status_code == 201, response.content
    issue = Issue.objects.get(pk=json.loads(response.content)[0]["service_request_id"])
    assert issue.compound == located.a1 and issue.common_area == "江工塑院小区"


ERRORS = {
    "unknown address_id": ({"lat": "", "long": "", "address_id": "NOPE"}, 400, "address_id"),
    "no key": ({"api_key": ""}, 400, "api_key"),
    "bad key": ({"api_key": "not-a-key"}, 403, "api_key"),
    "no service_code": ({"service_code": ""}, 400, "service_code"),
    "unknown service_code": ({"service_code": "no-such-thing"}, 404, "service_code"),
    "no location": ({"lat": "", "long": "", "address_string": ""}, 400, "location"),
    "only lat": ({"long": ""}, 400, "lat"),
    "lat not a number": ({"lat": "north"}, 400, "lat"),
    "far from any compound": ({"lat": "31.5", "long": "121.5"}, 400, "500"),
    "address matching nothing": ({"lat": "", "long": "", "address_string": "不存在的小区"}, 400, "address_string"),
    "no description": ({"description": ""}, 400, "description"),
    "description too long": ({"description": "长" * 4001}, 400, "4000"),
    "bad email": ({"email": "not-an-email"}, 400, "email"),
}


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("case", sorted(ERRORS))
def test_each_bad_request_is_refused_with_the_specs_error_and_files_nothing(anon, located, key, fmt, case):
    changes, code, words = ERRORS[case]
    data = {"api_key": key, "service_code": "sanitation", "lat": "30.27", "long": "120.15", "description": "垃圾满了。"}
    data.update(changes)
    before = snapshot()
    response = post(anon, fmt, **data)
    assert response.status_code == code, response.content
    assert words in errors(response, fmt)[0]["description"]
    after = snapshot()
    assert after == before


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_inactive_key_is_refused(anon, located, key, fmt):
    Open311Client.objects.update(active=False)
    before = snapshot()
    response = post(anon, fmt, api_key=key, service_code="sanitation", lat="30.27", long="120.15", description="x")
    assert response.status_code == 403 and errors(response, fmt)
    assert snapshot() == before


def test_the_post_needs_no_csrf_token(located, key):
    strict = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    response = strict.post(f"{BASE}requests.json", {"api_key": key, "service_code": "sanitation", "lat": "30.27",
                                                    "long": "120.15", "description": "垃圾满了。"})
    assert response.status_code == 201


def test_the_nearest_compound_within_500_m_is_chosen(located):
    from governance.issues.open311 import compound_near

    assert compound_near(30.2702, 120.1501) == located.a1
    assert compound_near(30.2899, 120.1799) == located.b1
    assert compound_near(30.28, 120.165) is None  # between the two, more than 500 m from each
    assert 3000 < haversine_m(30.27, 120.15, 30.29, 120.18) < 4000


# --- reading ------------------------------------------------------------------------------------


@pytest.fixture
def filed(world, located, resident, neighbour, zone_member):
    """Public (open), public (closed), private, cancelled, and merged issues of A1."""
    open_ = services.issue_file(
        actor=resident, compound=world.a1, category=Category.objects.get(code="sanitation"),
        description="楼道堆满杂物。", household=world.home,
    )
    closed = file_issue(neighbour, world.next_door, code="noise", description="夜间噪音。")
    services.issue_acknowledge(actor=zone_member, issue=closed)
    services.issue_resolve(actor=zone_member, issue=closed, note="已劝导")
    services.issue_rate(actor=neighbour, issue=closed, rating="satisfied")
    private = file_issue(resident, world.home, private=True, description="私事。")
    cancelled = file_issue(resident, world.home, description="撤回的。")
    services.issue_cancel(actor=resident, issue=cancelled)
    return {"open": open_, "closed": closed, "private": private, "cancelled": cancelled}


@pytest.mark.parametrize("fmt", FORMATS)
def test_public_requests_are_listed_with_every_field_and_nothing_personal(anon, filed, fmt):
    response = anon.get(f"{BASE}requests.{fmt}")
    assert response.status_code == 200
    rows = items(response, fmt, "service_requests", "request")
    ids = {int(r["service_request_id"]) for r in rows}
    assert ids == {filed["open"].pk, filed["closed"].pk}
    for row in rows:
        assert set(row) == REQUEST_FIELDS
        requested = datetime.fromisoformat(row["requested_datetime"])
        assert requested.tzinfo is not None
    by_id = {int(r["service_request_id"]): r for r in rows}
    opened, closed = by_id[filed["open"].pk], by_id[filed["closed"].pk]
    assert opened["status"] == "open" and closed["status"] == "closed"
    assert opened["service_code"] == "sanitation" and opened["address"] == "江工塑院小区 文三路 100 号 1 号楼"
    assert float(opened["lat"]) == 30.27 and float(opened["long"]) == 120.15
    assert opened["agency_responsible"] == "江工塑院小区党支部"  # the member's branch, not their name
    assert opened["expected_datetime"] and not closed["expected_datetime"]
    text = response.content.decode()
    for personal in ("张秀英", "李建华", "13812341234", "101", "resident@example.org", "刘党员"):
        assert personal not in text, personal


@pytest.mark.parametrize("fmt", FORMATS)
def test_requests_filed_through_open311_show_no_contact_details(anon, located, key, fmt):
    post(anon, "json", api_key=key, service_code="sanitation", address_string="江工塑院小区 北门", description="垃圾。",
         first_name="五", last_name="王", phone="13500001111", email="wang@example.org")
    text = anon.get(f"{BASE}requests.{fmt}").content.decode()
    assert "北门" in text and "王" not in text and "13500001111" not in text and "wang@example.org" not in text


@pytest.mark.parametrize("fmt", FORMATS)
def test_requests_are_filtered_by_ids_code_status_and_dates(anon, filed, fmt):
    def ids(**params):
        response = anon.get(f"{BASE}requests.{fmt}", params)
        assert response.status_code == 200, response.content
        return {int(r["service_request_id"]) for r in items(response, fmt, "service_requests", "request")}

    o, c = filed["open"].pk, filed["closed"].pk
    assert ids(service_request_id=f"{o},{filed['private'].pk},{filed['cancelled'].pk}") == {o}
    assert ids(service_request_id=f"{c}", service_code="sanitation") == {c}  # ids win over other filters
    assert ids(service_code="sanitation") == {o} and ids(service_code="noise,sanitation") == {o, c}
    assert ids(status="open") == {o} and ids(status="closed") == {c} and ids(status="open,closed") == {o, c}
    now = timezone.localtime()
    assert ids(start_date=(now - timedelta(days=1)).isoformat()) == {o, c}
    assert ids(end_date=(now - timedelta(days=1)).isoformat()) == set()
    assert ids(start_date=(now + timedelta(hours=1)).isoformat()) == set()
    assert ids(start_date=(now - timedelta(days=89)).isoformat(), end_date=(now + timedelta(minutes=1)).isoformat()) == {o, c}


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("params", [
    {"start_date": "2026-01-01T00:00:00+08:00", "end_date": "2026-06-01T00:00:00+08:00"},  # > 90 days
    {"start_date": "2026-06-01T00:00:00+08:00", "end_date": "2026-01-01T00:00:00+08:00"},  # reversed
    {"start_date": "yesterday"},
    {"status": "pending"},
    {"service_request_id": "1,abc"},
])
def test_bad_filters_are_400(anon, db, fmt, params):
    response = anon.get(f"{BASE}requests.{fmt}", params)
    assert response.status_code == 400 and errors(response, fmt)


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_residents_description_is_not_published_but_the_field_stays(anon, filed, located, key, resident, world, fmt):
    personal = file_issue(resident, world.home, description="302 室张阿姨家漏水，电话 13900009999。")
    post(anon, "json", api_key=key, service_code="sanitation", address_string="江工塑院小区 北门", description="北门垃圾满了。")
    for url in (f"{BASE}requests.{fmt}", f"{BASE}requests/{personal.pk}.{fmt}"):
        response = anon.get(url)
        text = response.content.decode()
        assert response.status_code == 200
        for secret in ("302 室", "张阿姨", "13900009999", "楼道堆满杂物", "夜间噪音"):
            assert secret not in text, (url, secret)
        rows = items(response, fmt, "service_requests", "request")
        assert all(set(r) == REQUEST_FIELDS for r in rows)
        mine = next(r for r in rows if int(r["service_request_id"]) == personal.pk)
        assert mine["description"] == ""
    rows = items(anon.get(f"{BASE}requests.{fmt}"), fmt, "service_requests", "request")
    assert [r["description"] for r in rows if r["description"]] == ["北门垃圾满了。"]  # filed through Open311


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("params", [
    {"start_date": "2026-13-01T00:00:00"},
    {"end_date": "2026-02-30"},
    {"start_date": "2026-02-30T25:00:00+08:00"},
])
def test_impossible_dates_are_400_not_500(anon, db, fmt, params):
    response = anon.get(f"{BASE}requests.{fmt}", params)
    assert response.status_code == 400 and errors(response, fmt)
    assert next(iter(params)) in errors(response, fmt)[0]["description"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_one_public_request_and_404_for_private_cancelled_or_unknown(anon, filed, fmt):
    response = anon.get(f"{BASE}requests/{filed['open'].pk}.{fmt}")
    rows = items(response, fmt, "service_requests", "request")
    assert response.status_code == 200 and len(rows) == 1 and set(rows[0]) == REQUEST_FIELDS
    assert "101" not in response.content.decode() and "张秀英" not in response.content.decode()
    for pk in (filed["private"].pk, filed["cancelled"].pk, 999999):
        response = anon.get(f"{BASE}requests/{pk}.{fmt}")
        assert response.status_code == 404 and errors(response, fmt)


def test_a_merged_request_is_404(anon, filed, world, neighbour, secretary):
    dup = file_issue(neighbour, world.next_door)
    services.issue_merge(actor=secretary, issue=dup, into=filed["open"])
    assert anon.get(f"{BASE}requests/{dup.pk}.json").status_code == 404


@pytest.mark.parametrize("fmt", FORMATS)
def test_one_request_is_read_only_for_everyone(anon, filed, stranger, fmt):
    signed_in = Client(HTTP_ACCEPT_LANGUAGE="en")
    signed_in.force_login(stranger)
    before = snapshot()
    for caller in (anon, signed_in):
        for method in ("post", "put", "patch", "delete"):
            response = getattr(caller, method)(f"{BASE}requests/{filed['open'].pk}.{fmt}")
            assert response.status_code == 405 and errors(response, fmt)
    assert snapshot() == before


def test_discovery_and_services_are_read_only(anon, db):
    for url in ("discovery.json", "services.json", "services/sanitation.json"):
        assert anon.post(BASE + url).status_code == 405


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_requests_list_costs_the_same_for_10_as_for_50(anon, world, located, resident, neighbour, zone_member,
                                                          company, committee_member, django_assert_num_queries, fmt):
    codes = ("sanitation", "noise", "property-service", "other")

    def fill(n):
        for i in range(n):
            file_issue((resident, neighbour)[i % 2], (world.home, world.next_door)[i % 2], code=codes[i % 4])

    fill(10)
    with django_assert_num_queries(1):
        assert len(items(anon.get(f"{BASE}requests.{fmt}"), fmt, "service_requests", "request")) == 10
    fill(40)
    with django_assert_num_queries(1):
        assert len(items(anon.get(f"{BASE}requests.{fmt}"), fmt, "service_requests", "request")) == 50


def test_text_is_escaped_in_xml_and_kept_as_is_in_json(anon, located, key):
    text = "水管 <漏水> & \"滴答\" ]]>"
    response = post(anon, "xml", api_key=key, service_code="sanitation", address_string="江工塑院小区 <北门>", description=text)
    assert response.status_code == 201, response.content
    pk = ET.fromstring(response.content).find("request/service_request_id").text
    root = ET.fromstring(anon.get(f"{BASE}requests/{pk}.xml").content)
    assert root.find("request/description").text == text
    assert root.find("request/address").text.endswith("<北门>")
    assert json.loads(anon.get(f"{BASE}requests/{pk}.json").content)[0]["description"] == text
