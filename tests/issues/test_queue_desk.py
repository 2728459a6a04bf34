"""The work queue at the desk: download as CSV with the same filters (only the caller's own work),
and dispatch ticked issues in one go."""

import csv
import io

from django.contrib.messages import get_messages
from django.urls import reverse

from governance.issues import services

from . import snapshots
from .factories import file_issue


def _rows(response):
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")  # Excel needs the BOM to read UTF-8
    return list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))


def test_the_zone_member_downloads_their_queue_as_csv(client, world, resident, zone_member, clerk):
    mine = file_issue(resident, world.home, code="noise", description="楼上深夜装修")
    theirs = file_issue(resident, world.home, code="parking", description="车位被占")  # the property company's
    client.force_login(zone_member)

    response = client.get(reverse("issues:queue"), {"export": "csv"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = _rows(response)
    assert rows[0][0] == "No."
    numbers = [r[0] for r in rows[1:]]
    assert numbers == [mine.reference]
    assert theirs.reference not in numbers
    assert "138" not in "".join(rows[1])  # no phone numbers in the export


def test_the_csv_keeps_the_filters(client, world, resident, clerk):
    file_issue(resident, world.home, code="parking")
    file_issue(resident, world.home, code="greening")
    client.force_login(clerk)

    rows = _rows(client.get(reverse("issues:queue"), {"export": "csv", "category": "greening"}))

    assert len(rows) == 2 and rows[1][1] == "Greening"


def test_someone_without_a_queue_downloads_an_empty_file(client, world, resident, zone_member, stranger):
    file_issue(resident, world.home)
    client.force_login(stranger)

    rows = _rows(client.get(reverse("issues:queue"), {"export": "csv"}))

    assert len(rows) == 1  # the header only


# --- bulk dispatch -------------------------------------------------------------------------------


def _branch_issues(resident, world, n=2):
    """Issues in A1's 2 号楼, which no zone covers: they wait for the branch to dispatch them."""
    building = world.households[("WA1", "2 号楼", "101")].building
    return [file_issue(resident, world.home, code="noise", building=building) for _ in range(n)]


def _post(client, issues, to="property", **extra):
    return client.post(
        reverse("issues:queue-dispatch"), {"issue": [i.pk for i in issues], "to": to, "next": "/issues/queue/", **extra}
    )


def test_the_secretary_dispatches_ticked_issues_to_the_property_company(client, world, resident, secretary, company):
    issues = _branch_issues(resident, world)
    assert {i.state for i in issues} == {"submitted"}
    client.force_login(secretary)

    response = _post(client, issues)

    assert response.status_code == 302 and response["Location"] == "/issues/queue/"
    for issue in issues:
        issue.refresh_from_db()
        assert (issue.state, issue.handler_kind, issue.handler_company) == ("dispatched", "property", company)


def test_a_batch_dispatches_what_it_can_and_says_why_not_for_the_rest(client, world, resident, secretary, zone_member, company):
    waiting = _branch_issues(resident, world, n=1)[0]
    taken = file_issue(resident, world.home, code="noise")  # routed to the zone member…
    services.issue_acknowledge(actor=zone_member, issue=taken)  # …who took it on
    client.force_login(secretary)

    response = _post(client, [waiting, taken], to="community")

    waiting.refresh_from_db()
    taken.refresh_from_db()
    assert waiting.state == "dispatched" and waiting.handler_kind == "community"
    assert taken.state == "in_progress" and taken.holder == zone_member
    texts = [str(m) for m in get_messages(response.wsgi_request)]
    assert any(taken.reference in t and "cannot be dispatched" in t for t in texts), texts


def test_people_outside_the_scope_dispatch_nothing(client, world, resident, secretary, other_officer, company):
    issues = _branch_issues(resident, world)
    before = snapshots.tables()
    client.force_login(other_officer)

    response = _post(client, issues)

    assert response.status_code == 302
    assert snapshots.tables() == before


def test_a_resident_cannot_dispatch_their_own_issues(client, world, resident, secretary, company):
    issues = _branch_issues(resident, world)
    before = snapshots.tables()
    client.force_login(resident)

    _post(client, issues)

    assert snapshots.tables() == before


def test_bulk_dispatch_takes_posts_only(client, world, secretary):
    client.force_login(secretary)
    assert client.get(reverse("issues:queue-dispatch")).status_code == 405
