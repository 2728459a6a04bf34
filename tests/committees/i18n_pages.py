"""The committees pages for tests/test_i18n.py's PAGES (not wired there yet: that file is the
lead's). To wire: ``from tests.committees.i18n_pages import EXCLUDED as C_EXCLUDED, pages`` then
``*pages(Page, _u)`` inside PAGES and ``**C_EXCLUDED`` inside EXCLUDED; and add to
``_data_strings`` the data these pages show: (PropertyCompany, ("name", "credit_code", "address",
"contact_name", "contact_phone", "party_instructor")), (PropertyStaff, ("title",)),
(PropertyContract, ("end_reason",)). Tried wired in a scratch copy: every rendering answers 200;
the language checks fail only until the catalogue (locale/) has the new strings.

The objects are built lazily in compound A1 (officer's scope) the first time a URL needs them,
and cached on the scene."""

import datetime

from django.utils import timezone

EXCLUDED = {
    "committees:committee-dissolve": "POST-only; redirects",
    "committees:seat-end": "POST-only; redirects",
    "committees:staff-end": "POST-only; redirects",
}


def _objects(s):
    cached = getattr(s, "_committees", None)
    if cached is None:
        from committees import services
        from tests import factories

        from .factories import CommitteeFactory, CompanyFactory, active_contract

        committee = CommitteeFactory(compound=s.world.a1)
        services.seat_add(actor=None, committee=committee, user=s.cast["resident"], role="chair")
        company = CompanyFactory(name="东湾物业", has_party_organisation=True, party_instructor="刘指导员")
        contract = active_contract(s.world.a1, company)
        services.staff_add(actor=None, company=company, user=factories.UserFactory(display_name="钱管家"), title="管家")
        cached = s._committees = {"committee": committee, "company": company, "contract": contract}
    return cached


def pages(Page, _u):  # noqa: N803 - the dataclass and helper of tests/test_i18n.py
    a1 = lambda s: s.world.a1.pk  # noqa: E731
    b1 = lambda s: s.world.b1.pk  # noqa: E731
    committee = lambda s: _objects(s)["committee"].pk  # noqa: E731
    company = lambda s: _objects(s)["company"].pk  # noqa: E731
    contract = lambda s: _objects(s)["contract"].pk  # noqa: E731
    today = timezone.localdate()
    overlap = lambda s: {  # noqa: E731
        "kind": "owners_committee",
        "term_start": today.isoformat(),
        "term_end": (today + datetime.timedelta(days=30)).isoformat(),
    }
    return [
        Page("committees:overview", "officer", lambda s: (_objects(s), _u("committees:overview")(s))[1]),
        Page("committees:overview", "officer", _u("committees:overview", query="?q=nothing-matches"), "empty"),
        Page("committees:compound", "officer", lambda s: (_objects(s), _u("committees:compound", a1)(s))[1]),
        Page("committees:compound", "other_officer", _u("committees:compound", b1), "empty"),
        Page("committees:committee-create", "officer", _u("committees:committee-create", a1)),
        Page(
            "committees:committee-create", "officer",
            lambda s: (_objects(s), _u("committees:committee-create", a1)(s))[1], "errors", "post", overlap,
        ),
        Page("committees:committee-edit", "officer", _u("committees:committee-edit", committee)),
        Page("committees:seat-add", "officer", _u("committees:seat-add", committee)),
        Page(
            "committees:seat-add", "officer", _u("committees:seat-add", committee), "errors", "post",
            lambda s: {"user": s.cast["stranger"].pk, "role": "chair"},
        ),
        Page("committees:contract-create", "officer", _u("committees:contract-create", a1)),
        Page(
            "committees:contract-create", "officer",
            lambda s: (_objects(s), _u("committees:contract-create", a1)(s))[1], "errors", "post",
            lambda s: {"company": _objects(s)["company"].pk, "starts_on": today.isoformat(),
                       "ends_on": (today + datetime.timedelta(days=30)).isoformat(), "fee_per_m2": "1"},
        ),
        Page("committees:contract-end", "officer", _u("committees:contract-end", contract)),
        Page("committees:company-list", "officer", lambda s: (_objects(s), _u("committees:company-list")(s))[1]),
        Page("committees:company-list", "officer", _u("committees:company-list", query="?q=nothing-matches"), "empty"),
        Page("committees:company-create", "officer", _u("committees:company-create")),
        Page(
            "committees:company-create", "officer", _u("committees:company-create"), "errors", "post",
            lambda s: {"name": "", "credit_code": "91420500O0000000"},
        ),
        Page("committees:company-detail", "officer", _u("committees:company-detail", company)),
        Page("committees:company-edit", "officer", _u("committees:company-edit", company)),
        Page("committees:staff-add", "officer", _u("committees:staff-add", company)),
        Page(
            "committees:staff-add", "officer", _u("committees:staff-add", company), "errors", "post",
            lambda s: {"phone": "13999999999"},
        ),
    ]
