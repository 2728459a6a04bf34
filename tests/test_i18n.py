"""Internationalisation: "Every page renders in both languages with no untranslated UI strings".

Four layers, cheapest first:
a. the Chinese catalogue (locale/zh_Hans/LC_MESSAGES/django.po) has no untranslated, fuzzy or
   obsolete entry, and every translation keeps its source's placeholders;
b. the committed binary catalogue (django.mo, what Django reads) says exactly what the .po says;
c. every string marked for translation in templates/ and in our Python packages is in the .po
   with a translation (templates through Django's own ``templatize`` + xgettext, as makemessages
   does; Python through ``ast``);
d. every page, discovered from the URL resolver, is rendered as the cast member it is meant for
   in Chinese and in English: the Chinese page shows no English UI word, the English page no
   Chinese character that is not data (fixture names) or the language switcher's "简体中文".
A new page URL that is neither rendered here nor excluded with a reason fails (d).

After adding or changing strings:
    DEBUG=1 .venv/bin/python manage.py makemessages -l zh_Hans --no-location --ignore=.venv \
        --ignore=static --ignore=staticfiles --ignore=var --ignore=tests --ignore=test-artifacts --ignore=docs
    (translate the new entries in locale/zh_Hans/LC_MESSAGES/django.po, glossary in DOMAIN.md)
    DEBUG=1 .venv/bin/python manage.py compilemessages --ignore=.venv
"""

import ast
import datetime
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import polib
import pytest
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLResolver, get_resolver, reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation.template import templatize

from committees import services as committee_services
from committees.models import PropertyCompany, PropertyContract, PropertyStaff
from compounds import importer
from compounds import services as place_services
from compounds.models import (
    Building,
    Community,
    Compound,
    District,
    Household,
    HouseholdImport,
    Residency,
    Subdistrict,
)
from governance.accounts.models import User
from governance.party import services as party_services
from governance.party.models import (
    PartyBranch,
    PartyGroup,
    PartyMember,
    PostClaim,
    ResponsibilityZone,
    ServicePost,
)
from governance.ratings.models import Appeal as RatingAppeal
from governance.ratings.models import Campaign as RatingCampaign
from governance.ratings.models import Entry as RatingEntry
from governance.ratings.models import Indicator as RatingIndicator
from governance.ratings.models import Section as RatingSection
from governance.ratings.models import Template as RatingTemplate

from . import factories
from .committees.factories import CommitteeFactory, CompanyFactory, active_contract

ROOT = Path(settings.BASE_DIR)
CATALOGUE = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES"
PO_PATH = CATALOGUE / "django.po"
MO_PATH = CATALOGUE / "django.mo"
TEMPLATES = ROOT / "templates"
PY_PACKAGES = ("governance", "compounds", "committees", "volunteers")

# --------------------------------------------------------------------------------------------
# a. the catalogue


@pytest.fixture(scope="module")
def po():
    return polib.pofile(str(PO_PATH))


_NAMED = re.compile(r"%\((\w+)\)[-#0 +]*\d*(?:\.\d+)?[sdifrxXeEgGc]")
_POSITIONAL = re.compile(r"%(?!\()[-#0 +]*\d*(?:\.\d+)?[sdifrxXeEgGc]")
_TEMPLATE_VAR = re.compile(r"\{\{\s*([\w.]+)\s*\}\}")
_BRACE = re.compile(r"(?<!\{)\{(\w*)\}(?!\})")


def placeholders(text: str) -> tuple:
    """What a translation must carry over unchanged: named and positional %-placeholders,
    template variables and str.format fields. ``%%`` is a literal percent sign, not a placeholder."""
    text = text.replace("%%", "")
    return (
        sorted(_NAMED.findall(text)),
        len(_POSITIONAL.findall(text)),
        sorted(_TEMPLATE_VAR.findall(text)),
        sorted(_BRACE.findall(text)),
    )


def test_catalogue_header(po):
    assert po.metadata["Language"] == "zh_Hans"
    assert po.metadata["Content-Type"] == "text/plain; charset=UTF-8"
    assert po.metadata["Plural-Forms"].replace(" ", "") == "nplurals=1;plural=0;"
    assert not po.metadata_is_fuzzy, "the header is still marked fuzzy"


def test_catalogue_has_no_untranslated_fuzzy_or_obsolete_entry(po):
    assert len(po) > 300, "the catalogue looks truncated"
    assert [e.msgid for e in po.untranslated_entries()] == []
    assert [e.msgid for e in po.fuzzy_entries()] == []
    assert [e.msgid for e in po.obsolete_entries()] == []
    # Chinese has one plural form: exactly msgstr[0], used for every count.
    assert [e.msgid for e in po if e.msgid_plural and sorted(e.msgstr_plural) != [0]] == []


def test_every_translation_keeps_the_placeholders(po):
    wrong = []
    for entry in po.translated_entries():
        if entry.msgid_plural:
            # With one plural form msgstr[0] is shown for every n, so it must carry what the
            # plural source carries (the singular may legitimately drop the number).
            pairs = [(entry.msgid_plural, entry.msgstr_plural[0])]
        else:
            pairs = [(entry.msgid, entry.msgstr)]
        for source, translation in pairs:
            if placeholders(source) != placeholders(translation):
                wrong.append((source, translation))
    assert wrong == []


def test_placeholder_helper_sees_what_it_must():
    assert placeholders("%(n)s of %(total)d, 100%%") == (["n", "total"], 0, [], [])
    assert placeholders("%s and %d") == ([], 2, [], [])
    assert placeholders("{{ name }} {x}") == ([], 0, ["name"], ["x"])
    assert placeholders("共 %(n)s 条") != placeholders("共 n 条")


# --------------------------------------------------------------------------------------------
# b. the compiled catalogue


def _messages(catalogue) -> dict:
    return {
        (e.msgctxt or None, e.msgid, e.msgid_plural or None): (
            e.msgstr,
            tuple(sorted((int(k), v) for k, v in e.msgstr_plural.items())),
        )
        for e in catalogue
        if e.msgid
        and not e.obsolete
        and "fuzzy" not in e.flags
        and (e.msgstr or any(e.msgstr_plural.values()))
    }


def test_mo_is_compiled_from_the_current_po(po):
    assert MO_PATH.exists(), "run: manage.py compilemessages --ignore=.venv"
    mo = polib.mofile(str(MO_PATH))
    po_messages, mo_messages = _messages(po), _messages(mo)
    stale = {k for k in po_messages.keys() | mo_messages.keys() if po_messages.get(k) != mo_messages.get(k)}
    assert not stale, f"django.mo differs from django.po (run compilemessages): {sorted(stale, key=str)[:10]}"
    assert mo.metadata.get("Plural-Forms", "").replace(" ", "") == "nplurals=1;plural=0;"


def test_django_uses_the_catalogue():
    from django.utils import translation

    with translation.override("zh-hans"):
        assert translation.gettext("Claim a household") == "认领房屋"
        assert translation.ngettext("%(n)s row", "%(n)s rows", 3) % {"n": 3} == "共 3 条"
    with translation.override("en"):
        assert translation.gettext("Claim a household") == "Claim a household"


# --------------------------------------------------------------------------------------------
# c. the catalogue is complete relative to the sources


def _translated_index(po) -> dict:
    return {(e.msgctxt or None, e.msgid): e for e in po if not e.obsolete}


# gettext function → (index of the context argument or None, index of the msgid argument)
GETTEXT_FUNCTIONS = {
    **dict.fromkeys(("_", "gettext", "gettext_lazy", "gettext_noop", "ngettext", "ngettext_lazy"), (None, 0)),
    **dict.fromkeys(("pgettext", "pgettext_lazy", "npgettext", "npgettext_lazy"), (0, 1)),
}


def _python_messages() -> set[tuple]:
    """(context, msgid, source location) of every gettext call with literal arguments in our
    packages; an f-string handed to gettext is reported, as it can never be translated."""
    found = set()
    for package in PY_PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
                if not isinstance(node, ast.Call):
                    continue
                name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
                if name not in GETTEXT_FUNCTIONS:
                    continue
                where = f"{path.relative_to(ROOT)}:{node.lineno}"
                values = [
                    a.value if isinstance(a, ast.Constant) and isinstance(a.value, str) else None
                    for a in node.args
                ]
                ctx_at, msgid_at = GETTEXT_FUNCTIONS[name]
                if any(isinstance(a, ast.JoinedStr) for a in node.args):
                    found.add((None, "<an f-string passed to gettext is never translated>", where))
                elif len(values) > msgid_at and values[msgid_at] is not None:
                    found.add((values[ctx_at] if ctx_at is not None else None, values[msgid_at], where))
    return found


def test_every_python_message_is_translated(po):
    index = _translated_index(po)
    messages = _python_messages()
    assert len(messages) > 100, "the ast scan found suspiciously few messages"
    missing = sorted(
        (where, msgid)
        for ctx, msgid, where in messages
        if (ctx, msgid) not in index or not index[(ctx, msgid)].translated()
    )
    assert missing == [], "run makemessages and translate these"


XGETTEXT_KEYWORDS = [
    "--keyword=gettext_noop",
    "--keyword=gettext_lazy",
    "--keyword=ngettext_lazy:1,2",
    "--keyword=pgettext:1c,2",
    "--keyword=npgettext:1c,2,3",
    "--keyword=pgettext_lazy:1c,2",
    "--keyword=npgettext_lazy:1c,2,3",
]


@pytest.mark.skipif(
    shutil.which("xgettext") is None, reason="needs GNU gettext's xgettext (apt-get install gettext)"
)
def test_every_template_message_is_translated(po, tmp_path):
    """The same extraction makemessages runs: Django's templatize, then xgettext as Python."""
    sources = []
    for path in sorted(p for p in TEMPLATES.rglob("*") if p.suffix in (".html", ".txt")):
        out = tmp_path / (str(path.relative_to(TEMPLATES)).replace("/", "__") + ".py")
        out.write_text(templatize(path.read_text(encoding="utf-8"), origin=str(path)), encoding="utf-8")
        sources.append(str(out))
    assert len(sources) > 20
    pot = tmp_path / "templates.pot"
    subprocess.run(
        [
            "xgettext",
            "-L",
            "Python",
            "--from-code=UTF-8",
            "--no-wrap",
            *XGETTEXT_KEYWORDS,
            "-o",
            str(pot),
            *sources,
        ],
        check=True,
        capture_output=True,
    )
    extracted = [e for e in polib.pofile(str(pot)) if e.msgid]
    assert len(extracted) > 150, "templatize/xgettext found suspiciously few messages"
    index = _translated_index(po)
    missing = sorted(
        (e.occurrences[0][0].split("__")[-1] if e.occurrences else "?", e.msgid)
        for e in extracted
        if (e.msgctxt or None, e.msgid) not in index or not index[(e.msgctxt or None, e.msgid)].translated()
    )
    assert missing == [], "run makemessages and translate these"


def test_templates_have_no_raw_english_text():
    """A cheap guard that names the template before the render test fails on the page: English
    written straight into a template, outside {% translate %}, as text or as a UI attribute."""
    raw = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        if path.relative_to(TEMPLATES).parts[0] == "drf_spectacular":  # the API's docs, like api/ URLs
            continue
        source = re.sub(
            r"{%\s*(blocktrans(?:late)?|comment)\b.*?{%\s*end\1\s*%}|{%.*?%}|{{.*?}}|{#.*?#}",
            " ",
            path.read_text(encoding="utf-8"),
            flags=re.S,
        )
        source = re.sub(r"<pre\b.*?</pre>", "", source, flags=re.S)  # sample data, not UI
        words = re.findall(r"[A-Za-z]{3,}", visible_text(source))
        raw += [(str(path.relative_to(TEMPLATES)), w) for w in words if w not in ALLOWED_ASCII_WORDS]
    assert raw == []


# --------------------------------------------------------------------------------------------
# d. every page, in both languages


@dataclass
class Page:
    """One rendering: the URL name, who looks, how to build the URL from the scene, what to send."""

    name: str
    as_: str | None  # a key of the scene's cast, or None for anonymous
    url: Any  # callable(scene) -> str
    variant: str = ""
    method: str = "get"
    data: Any = None  # callable(scene) -> dict, for POSTs that re-render a page with errors
    status: int = 200
    fragment: bool = False  # an htmx fragment: no <html> element
    follow: bool = False

    @property
    def id(self) -> str:
        return f"{self.name}[{self.as_ or 'anonymous'}{'-' + self.variant if self.variant else ''}]"


def _u(name, *args, query=""):
    return lambda s: reverse(name, args=[a(s) if callable(a) else a for a in args]) + query


def _reset_confirm(valid):
    def url(s):
        user = s.cast["resident"]
        token = default_token_generator.make_token(user) if valid else "bad-token"
        return reverse(
            "accounts:password-reset-confirm",
            kwargs={"uidb64": urlsafe_base64_encode(force_bytes(user.pk)), "token": token},
        )

    return url


def _bad_csv(s):
    return {
        "file": SimpleUploadedFile(
            "bad.csv", "楼栋,单元,房号,专有面积\n1 号楼,,101,12.5.1\n,,102,-1\n".encode()
        )
    }


A1 = lambda s: s.world.a1.pk  # noqa: E731
B1 = lambda s: s.world.b1.pk  # noqa: E731
HOME = lambda s: s.world.home.pk  # noqa: E731
BUILDING = lambda s: s.world.home.building_id  # noqa: E731


def _committees(s) -> dict:
    """Committees, a company with staff and a contract in force in compound A1 (the officer's
    scope), built the first time a URL needs them and cached on the scene."""
    if "committees" not in s.cache:
        committee = CommitteeFactory(compound=s.world.a1)
        committee_services.seat_add(actor=None, committee=committee, user=s.cast["resident"], role="chair")
        company = CompanyFactory(name="东湾物业", has_party_organisation=True, party_instructor="刘指导员")
        contract = active_contract(s.world.a1, company)
        committee_services.staff_add(
            actor=None, company=company, user=factories.UserFactory(display_name="钱管家"), title="管家"
        )
        s.cache["committees"] = {"committee": committee, "company": company, "contract": contract}
    return s.cache["committees"]


def _party(s) -> dict:
    """A branch covering A1 with a secretary, a group, a building leader, a zone, an in-service
    member (the resident) checked in with two posts, an in-service member not checked in yet (the
    claimant) and a resident member (the neighbour)."""
    if "party" not in s.cache:
        officer, world = s.cast["officer"], s.world
        branch = party_services.branch_create(
            actor=officer,
            community=world.a,
            name="江工塑院小区党支部",
            kind="compound",
            founded_on=datetime.date(2020, 7, 1),
            compounds=[world.a1],
        )
        member = party_services.member_add(
            actor=officer,
            branch=branch,
            user=s.cast["resident"],
            kind="in_service",
            employer="西陵区税务局",
            employer_party_organisation="区税务局机关党委",
        )
        party_services.member_add(actor=officer, branch=branch, user=s.cast["neighbour"], kind="resident")
        party_services.member_add(  # in service, not checked in yet
            actor=officer, branch=branch, user=s.cast["claimant"], kind="in_service", employer="市一医院"
        )
        seat = party_services.branch_seat_add(
            actor=officer,
            branch=branch,
            member=member,
            role="secretary",
            term_start=datetime.date(2026, 1, 1),
        )
        building = world.home.building
        group = party_services.group_save(
            actor=officer, branch=branch, name="一组", buildings=[building], leader=member
        )
        party_services.building_leader_set(actor=officer, building=building, member=member)
        zone = party_services.zone_save(
            actor=officer,
            branch=branch,
            compound=world.a1,
            member=member,
            name="1 号楼责任区",
            buildings=[building],
        )
        posts = list(ServicePost.objects.filter(active=True).order_by("position")[:2])
        party_services.checkin_register(
            actor=officer, member=member, community=world.a, posts=posts, note="周末"
        )
        s.cache["party"] = {"branch": branch, "member": member, "seat": seat, "group": group, "zone": zone}
    return s.cache["party"]


def _with(*builders, url):
    """A URL after the objects its page shows are built."""

    def build(s):
        for b in builders:
            b(s)
        return url(s)

    return build


COMMITTEE = lambda s: _committees(s)["committee"].pk  # noqa: E731
COMPANY = lambda s: _committees(s)["company"].pk  # noqa: E731
CONTRACT = lambda s: _committees(s)["contract"].pk  # noqa: E731
BRANCH = lambda s: _party(s)["branch"].pk  # noqa: E731
MEMBER = lambda s: _party(s)["member"].pk  # noqa: E731
GROUP = lambda s: _party(s)["group"].pk  # noqa: E731
ZONE = lambda s: _party(s)["zone"].pk  # noqa: E731
TODAY = timezone.localdate()

def _issues(s) -> dict:
    """An issue the resident filed in A1 with a photo (its description is data: place names), built
    the first time a URL needs it and cached on the scene."""
    if "issues" not in s.cache:
        from governance.issues import services as issue_services
        from governance.issues.models import Category
        from tests.issues.factories import photo

        world = s.world
        issue = issue_services.issue_file(
            actor=s.cast["resident"],
            compound=world.a1,
            category=Category.objects.get(code="sanitation"),
            description=f"{world.a1.name} {world.home.building.name}",
            building=world.home.building,
            photos=[photo()],
        )
        s.cache["issues"] = {"issue": issue}
    return s.cache["issues"]


ISSUE = lambda s: _issues(s)["issue"].pk  # noqa: E731


def _meetings(s) -> dict:
    """A1's officer convenes two joint meetings (their texts are data: place names): one held and
    closed, with a decision the resident owns, and one ahead, to which the resident is invited."""
    if "meetings" not in s.cache:
        from governance.meetings import services as meeting_services
        from governance.meetings.models import Meeting

        officer, resident, world = s.cast["officer"], s.cast["resident"], s.world
        name, place = world.a1.name, world.home.building.name
        soon = timezone.now() + datetime.timedelta(days=1)
        past = meeting_services.meeting_schedule(
            actor=officer, compound=world.a1, title=name, starts_at=soon, ends_at=soon + datetime.timedelta(hours=1),
            place=place,
        )
        held = timezone.now() - datetime.timedelta(days=3)
        Meeting.objects.filter(pk=past.pk).update(starts_at=held, ends_at=held + datetime.timedelta(hours=1))
        past.refresh_from_db()
        invitation = past.invitations.filter(user=resident).first() or meeting_services.invite(
            actor=officer, meeting=past, organisation="other", user=resident
        )
        item = meeting_services.agenda_add(actor=officer, meeting=past, title=place)
        meeting_services.decision_record(
            actor=officer, item=item, decision=name, owner_user=resident, deadline=TODAY + datetime.timedelta(days=10)
        )
        meeting_services.minutes_save(actor=officer, meeting=past, minutes=name)
        meeting_services.sign_in(actor=officer, meeting=past, invitation=invitation)
        meeting_services.meeting_close(actor=officer, meeting=past)
        ahead = timezone.now() + datetime.timedelta(days=7)
        upcoming = meeting_services.meeting_schedule(
            actor=officer, compound=world.a1, title=name, starts_at=ahead, ends_at=ahead + datetime.timedelta(hours=1),
            place=place,
        )
        if not upcoming.invitations.filter(user=resident).exists():  # a committee seat may have invited them
            meeting_services.invite(actor=officer, meeting=upcoming, organisation="other", user=resident)
        meeting_services.agenda_add(actor=officer, meeting=upcoming, title=place)
        s.cache["meetings"] = {"past": past, "upcoming": upcoming}
    return s.cache["meetings"]


PAST_MEETING = lambda s: _meetings(s)["past"].pk  # noqa: E731
NEXT_MEETING = lambda s: _meetings(s)["upcoming"].pk  # noqa: E731


def _rating_campaign(actor, *, year, start, title, phase, scope="subdistrict", place=None, steps=None):
    """A campaign opened through the services and driven as beat and the worker would drive it,
    in this thread, up to ``phase``; ``steps`` (phase → callable(campaign)) act along the way."""
    from governance.ratings import services as rating_services
    from governance.ratings.models import PHASE_ORDER, Template

    days = datetime.timedelta
    campaign = rating_services.campaign_open(
        actor=actor, year=year, scope=scope, title=title,
        subdistrict=place if scope == "subdistrict" else None, district=place if scope == "district" else None,
        project_template=Template.objects.get(code="property-project", version=1),
        committee_template=Template.objects.get(code="owners-committee", version=1),
        survey_starts=start, appraisal_starts=start + days(days=10), scoring_starts=start + days(days=20),
        publication_starts=start + days(days=55), appeal_days=30,
    )
    dates = {
        "survey": campaign.survey_starts, "appraisal": campaign.appraisal_starts, "scoring": campaign.scoring_starts,
        "publication": campaign.publication_starts, "final": campaign.appeals_end,
    }
    for step in PHASE_ORDER[1 : PHASE_ORDER.index(phase) + 1]:
        rating_services.campaign_advance(campaign_id=campaign.pk, today=dates[step])
        campaign.refresh_from_db()
        if step == "scoring":
            while rating_services.snapshot_score_chunk(snapshot_id=campaign.snapshot_id):
                pass
            campaign.refresh_from_db()
        if steps and step in steps:
            steps[step](campaign)
            campaign.refresh_from_db()
    return campaign


def _ratings(s) -> dict:
    """Star ratings of A1's property project (东湾物业) and owners' committee (the resident chairs it;
    the resident is also the branch's secretary), opened by S1's admin and by the district's admin
    (their titles and notes are data): an older campaign final, with a red card (black list) and an
    appeal decided; a newer one published, with an appeal waiting; a district campaign in its
    appraisal phase with the officer as inspector; last year's in its survey phase, answered by the
    neighbour; and an editable new version of the project template."""
    if "ratings" not in s.cache:
        from governance.ratings import services as rating_services
        from governance.ratings.models import Indicator, Source, SubjectKind, Template

        _committees(s)
        _party(s)
        admin, resident, world = s.cast["subdistrict_admin"], s.cast["resident"], s.world
        project_template = Template.objects.get(code="property-project", version=1)
        clerk = PropertyStaff.objects.get(company=_committees(s)["company"], ended_on__isnull=True).user

        def survey(campaign):
            for user, home in ((s.cast["neighbour"], world.next_door), (resident, world.home)):
                questions = rating_services.survey_questions(campaign, world.a1.pk)
                rating_services.survey_submit(actor=user, campaign=campaign, household=home,
                                              answers={q.pk: 4 for q in questions})

        def appraise(campaign, red_card=False):
            for subject in campaign.subjects.filter(compound=world.a1):
                template = project_template if subject.kind == SubjectKind.PROJECT else campaign.committee_template
                for ind in Indicator.objects.filter(section__template=template, source=Source.APPRAISAL):
                    rating_services.entry_record(actor=resident, subject=subject, indicator=ind, value=4, note="按时参加联席会议")
                for ind in Indicator.objects.filter(section__template=template, source=Source.INSPECTION):
                    rating_services.entry_record(actor=admin, subject=subject, indicator=ind, value=1, note="楼道堆物")
                if red_card and subject.kind == SubjectKind.PROJECT:
                    card = Indicator.objects.get(section__template=template, code="card-red")
                    rating_services.entry_record(actor=admin, subject=subject, indicator=card, value=1, note="消防通道长期堵塞")

        def appeal(by, kind, decide):
            def step(campaign):
                score = campaign.subjects.get(compound=world.a1, kind=kind).scores.get(snapshot=campaign.snapshot)
                filed = rating_services.appeal_file(actor=by, score=score, reason="检查记录与实际不符，请复核。")
                if decide:
                    rating_services.appeal_decide(
                        actor=admin, appeal=filed, decision="adjusted", reason="经复核，部分检查记录有误。", adjustment=2
                    )
            return step

        final = _rating_campaign(
            admin, year=TODAY.year - 3, start=TODAY - datetime.timedelta(days=60), title="学院街道 红色物业星级评价（往年）",
            phase="final", place=world.s1,
            steps={"survey": survey, "appraisal": lambda c: appraise(c, red_card=True),
                   "publication": appeal(resident, SubjectKind.COMMITTEE, decide=True)},
        )
        published = _rating_campaign(
            admin, year=TODAY.year - 2, start=TODAY - datetime.timedelta(days=60), title="学院街道 红色物业星级评价",
            phase="publication", place=world.s1,
            steps={"appraisal": appraise, "publication": appeal(clerk, SubjectKind.PROJECT, decide=False)},
        )
        appraisal = _rating_campaign(
            s.cast["district_admin"], year=TODAY.year - 1, start=TODAY - datetime.timedelta(days=10),
            title="全区 物业服务星级评价", phase="appraisal", scope="district", place=world.district,
        )
        rating_services.inspector_assign(actor=s.cast["district_admin"], campaign=appraisal, user=s.cast["officer"])
        survey_now = _rating_campaign(
            admin, year=TODAY.year - 1, start=TODAY, title="学院街道 年度红色物业星级评价", phase="survey", place=world.s1,
        )
        rating_services.survey_submit(
            actor=s.cast["neighbour"], campaign=survey_now, household=world.next_door,
            answers={q.pk: 5 for q in rating_services.survey_questions(survey_now, world.a1.pk)},
        )
        scores = {
            (name, kind): campaign.subjects.get(compound=world.a1, kind=kind).scores.get(snapshot=campaign.snapshot)
            for name, campaign in (("final", final), ("published", published))
            for kind in (SubjectKind.PROJECT, SubjectKind.COMMITTEE)
        }
        s.cache["ratings"] = {
            "final": final, "published": published, "appraisal": appraisal, "survey": survey_now, "scores": scores,
            "entries": appraisal.subjects.get(compound=world.a1, kind=SubjectKind.PROJECT),
            "closed_entries": final.subjects.get(compound=world.a1, kind=SubjectKind.PROJECT),
            "frozen": project_template,
            "editable": rating_services.template_new_version(actor=admin, template=project_template),
        }
    return s.cache["ratings"]


RATED = lambda key: lambda s: _ratings(s)[key].pk  # noqa: E731
RATING_SCORE = lambda key, kind: lambda s: _ratings(s)["scores"][(key, kind)].pk  # noqa: E731
COMPANY_RATED = lambda s: _with(_ratings, url=COMPANY)(s)  # noqa: E731
A1_RATED = lambda s: _with(_ratings, url=A1)(s)  # noqa: E731


def _campaign_form(s):
    """A campaign refused by the services (its phases out of order): the form re-renders with the error."""
    from governance.ratings.models import Template

    return {
        "year": TODAY.year - 1, "scope": "subdistrict", "subdistrict": s.world.s1.pk, "title": "",
        "project_template": Template.objects.get(code="property-project", version=1).pk, "committee_template": "",
        "survey_starts": TODAY.isoformat(), "appraisal_starts": TODAY.isoformat(),
        "scoring_starts": TODAY.isoformat(), "publication_starts": TODAY.isoformat(), "appeal_days": "7",
    }


def _issue_form(s):
    """A filing form refused (no description): the page re-renders with the error."""
    from governance.issues.models import Category

    return {
        "compound": s.world.a1.pk,
        "kind": "snapshot",
        "category": Category.objects.get(code="sanitation").pk,
        "description": "",
        "building": s.world.home.building.pk,
        "contact_preference": "in_app",
    }


PAGES = [
    # Home: one page with a section per role, so once per role.
    *[Page("home", who, _u("home")) for who in ("resident", "claimant", "stranger", "officer")],
    *[Page("home", who, _u("home")) for who in ("subdistrict_admin", "district_admin", "system_admin")],
    # Accounts
    Page("accounts:login", None, _u("accounts:login")),
    Page(
        "accounts:login",
        None,
        _u("accounts:login"),
        "wrong-password",
        "post",
        lambda s: {"username": "resident", "password": "nope"},
    ),
    Page("accounts:register", None, _u("accounts:register")),
    Page(
        "accounts:register",
        None,
        _u("accounts:register"),
        "errors",
        "post",
        lambda s: {"display_name": "", "phone": "123", "email": "x", "password1": "a", "password2": "b"},
    ),
    Page("accounts:profile", "resident", _u("accounts:profile")),
    Page("accounts:notifications", "resident", _u("accounts:notifications")),
    Page("accounts:notifications", "stranger", _u("accounts:notifications"), "empty"),
    Page("accounts:password-change", "resident", _u("accounts:password-change")),
    Page(
        "accounts:password-change",
        "resident",
        _u("accounts:password-change"),
        "errors",
        "post",
        lambda s: {"old_password": "x", "new_password1": "123", "new_password2": "456"},
    ),
    Page("accounts:password-change-done", "resident", _u("accounts:password-change-done")),
    Page("accounts:password-reset", None, _u("accounts:password-reset")),
    Page("accounts:password-reset-done", None, _u("accounts:password-reset-done")),
    Page("accounts:password-reset-confirm", None, _reset_confirm(True), "valid-token", follow=True),
    Page("accounts:password-reset-confirm", None, _reset_confirm(False), "invalid-token"),
    Page("accounts:password-reset-complete", None, _u("accounts:password-reset-complete")),
    # Places and people, as the community officer who manages them
    Page("compounds:compound-list", "officer", _u("compounds:compound-list")),
    Page(
        "compounds:compound-list",
        "officer",
        _u("compounds:compound-list", query="?q=nothing-matches"),
        "empty",
    ),
    Page("compounds:compound-create", "officer", _u("compounds:compound-create")),
    Page(
        "compounds:compound-create",
        "officer",
        _u("compounds:compound-create"),
        "errors",
        "post",
        lambda s: {"name": ""},
    ),
    Page("compounds:compound-detail", "officer", _u("compounds:compound-detail", A1)),
    Page("compounds:compound-edit", "officer", _u("compounds:compound-edit", A1)),
    Page("compounds:compound-history", "officer", _u("compounds:compound-history", A1)),
    Page("compounds:compound-households", "officer", _u("compounds:compound-households", A1)),
    Page(
        "compounds:compound-households",
        "officer",
        _u("compounds:compound-households", A1, query="?q=999"),
        "empty",
    ),
    Page("compounds:compound-import", "officer", _u("compounds:compound-import", A1)),
    Page(
        "compounds:compound-import",
        "officer",
        _u("compounds:compound-import", A1),
        "row-errors",
        "post",
        _bad_csv,
    ),
    Page("compounds:building-create", "officer", _u("compounds:building-create", A1)),
    Page("compounds:building-edit", "officer", _u("compounds:building-edit", BUILDING)),
    Page("compounds:household-create", "officer", _u("compounds:household-create", BUILDING)),
    Page("compounds:household-detail", "officer", _u("compounds:household-detail", HOME)),
    Page("compounds:household-edit", "officer", _u("compounds:household-edit", HOME)),
    Page("compounds:resident-list", "officer", _u("compounds:resident-list")),
    Page("compounds:resident-list", "other_officer", _u("compounds:resident-list"), "empty"),
    Page("compounds:verification-queue", "officer", _u("compounds:verification-queue")),
    Page("compounds:verification-queue", "other_officer", _u("compounds:verification-queue"), "empty"),
    Page("compounds:residency-detail", "officer", _u("compounds:residency-detail", lambda s: s.pending.pk)),
    Page(
        "compounds:residency-detail",
        "claimant",
        _u("compounds:residency-detail", lambda s: s.rejected.pk),
        "own",
    ),
    # The resident's claim, in two steps
    Page("compounds:claim-start", "stranger", _u("compounds:claim-start")),
    Page(
        "compounds:claim-start", "stranger", _u("compounds:claim-start", query="?q=nothing-matches"), "empty"
    ),
    Page("compounds:claim", "stranger", _u("compounds:claim", A1)),
    Page("compounds:claim", "stranger", _u("compounds:claim", A1), "errors", "post", lambda s: {"note": "x"}),
    Page(
        "compounds:claim-households",
        "stranger",
        lambda s: (
            reverse("compounds:claim-households", args=[s.world.a1.pk])
            + f"?building={s.world.home.building_id}"
        ),
        fragment=True,
    ),
    # Committees, property companies and contracts, as the community officer
    Page("committees:overview", "officer", _with(_committees, url=_u("committees:overview"))),
    Page("committees:overview", "officer", _u("committees:overview", query="?q=nothing-matches"), "empty"),
    Page("committees:compound", "officer", _with(_committees, _ratings, url=_u("committees:compound", A1))),
    Page("committees:compound", "other_officer", _u("committees:compound", B1), "empty"),
    Page("committees:committee-create", "officer", _u("committees:committee-create", A1)),
    Page(
        "committees:committee-create",
        "officer",
        _with(_committees, url=_u("committees:committee-create", A1)),
        "errors",
        "post",
        lambda s: {
            "kind": "owners_committee",
            "term_start": TODAY.isoformat(),
            "term_end": (TODAY + datetime.timedelta(days=30)).isoformat(),
        },
    ),
    Page("committees:committee-edit", "officer", _u("committees:committee-edit", COMMITTEE)),
    Page("committees:seat-add", "officer", _u("committees:seat-add", COMMITTEE)),
    Page(
        "committees:seat-add",
        "officer",
        _u("committees:seat-add", COMMITTEE),
        "errors",
        "post",
        lambda s: {"user": s.cast["stranger"].pk, "role": "chair"},
    ),
    Page("committees:contract-create", "officer", _u("committees:contract-create", A1)),
    Page(
        "committees:contract-create",
        "officer",
        _with(_committees, url=_u("committees:contract-create", A1)),
        "errors",
        "post",
        lambda s: {
            "company": _committees(s)["company"].pk,
            "starts_on": TODAY.isoformat(),
            "ends_on": (TODAY + datetime.timedelta(days=30)).isoformat(),
            "fee_per_m2": "1",
        },
    ),
    Page("committees:contract-end", "officer", _u("committees:contract-end", CONTRACT)),
    Page("committees:company-list", "officer", _with(_committees, url=_u("committees:company-list"))),
    Page(
        "committees:company-list",
        "officer",
        _u("committees:company-list", query="?q=nothing-matches"),
        "empty",
    ),
    Page("committees:company-create", "officer", _u("committees:company-create")),
    Page(
        "committees:company-create",
        "officer",
        _u("committees:company-create"),
        "errors",
        "post",
        lambda s: {"name": "", "credit_code": "91420500O0000000"},
    ),
    Page("committees:company-detail", "officer", _u("committees:company-detail", COMPANY)),
    Page("committees:company-edit", "officer", _u("committees:company-edit", COMPANY)),
    Page("committees:staff-add", "officer", _u("committees:staff-add", COMPANY)),
    Page(
        "committees:staff-add",
        "officer",
        _u("committees:staff-add", COMPANY),
        "errors",
        "post",
        lambda s: {"phone": "13999999999"},
    ),
    # The Party organisation, as the community officer; the member's own pages as the member
    Page("party:branch-list", "officer", _with(_party, url=_u("party:branch-list"))),
    Page("party:branch-list", "officer", _u("party:branch-list"), "empty"),
    Page("party:branch-create", "officer", _u("party:branch-create")),
    Page(
        "party:branch-create",
        "officer",
        _u("party:branch-create"),
        "errors",
        "post",
        lambda s: {"community": s.world.a.pk, "name": "", "kind": "compound"},
    ),
    Page("party:branch-detail", "officer", _u("party:branch-detail", BRANCH, query="?former=1")),
    Page("party:branch-edit", "officer", _u("party:branch-edit", BRANCH)),
    Page("party:member-add", "officer", _u("party:member-add", BRANCH)),
    Page(
        "party:member-add",
        "officer",
        _u("party:member-add", BRANCH),
        "errors",
        "post",
        lambda s: {"phone": "13000000000", "kind": "in_service"},
    ),
    Page("party:seat-add", "officer", _u("party:seat-add", BRANCH)),
    Page("party:group-create", "officer", _u("party:group-create", BRANCH)),
    Page("party:group-edit", "officer", _u("party:group-edit", GROUP)),
    Page("party:leader-set", "officer", _u("party:leader-set", BRANCH)),
    Page("party:zone-create", "officer", _u("party:zone-create", BRANCH)),
    Page("party:zone-edit", "officer", _u("party:zone-edit", ZONE)),
    Page("party:member-list", "officer", _with(_party, url=_u("party:member-list"))),
    Page("party:member-list", "officer", _u("party:member-list"), "empty"),
    Page("party:member-detail", "officer", _u("party:member-detail", MEMBER)),
    Page("party:member-edit", "officer", _u("party:member-edit", MEMBER)),
    Page("party:checkin-list", "officer", _with(_party, url=_u("party:checkin-list"))),
    Page("party:checkin-list", "officer", _u("party:checkin-list"), "empty"),
    Page("party:my-checkin", "resident", _with(_party, url=_u("party:my-checkin")), "in-service"),
    Page("party:my-checkin", "neighbour", _with(_party, url=_u("party:my-checkin")), "resident-member"),
    Page("party:my-checkin", "stranger", _u("party:my-checkin"), "not-a-member"),
    Page("party:my-checkin", "claimant", _with(_party, url=_u("party:my-checkin")), "not-checked-in"),
    Page(
        "party:my-checkin-register",
        "claimant",
        _with(_party, url=_u("party:my-checkin-register")),
        "errors",
        "post",
        lambda s: {},
    ),
    # Dashboards
    Page(
        "dashboards:who-serves-us",
        "resident",
        _with(_committees, _party, _ratings, url=_u("dashboards:who-serves-us", A1)),
    ),
    Page("dashboards:who-serves-us", "officer", _u("dashboards:who-serves-us", A1), "nothing-yet"),
    Page("dashboards:coverage", "officer", _with(_committees, _party, url=_u("dashboards:coverage"))),
    Page("dashboards:coverage", "district_admin", _u("dashboards:coverage")),
    Page("dashboards:rates", "officer", _with(_issues, url=_u("dashboards:rates"))),
    Page("dashboards:rates", "officer", _u("dashboards:rates", query="?kind=zone&start=2026-05-01&end=2026-01-01"), "errors"),
    Page("dashboards:rates", "district_admin", _u("dashboards:rates", query="?kind=department"), "no-issues"),
    Page("dashboards:rates-ranking", "officer", _with(_issues, url=_u("dashboards:rates-ranking", query=f"?month={TODAY:%Y-%m}"))),
    Page("dashboards:rates-ranking", "district_admin", _u("dashboards:rates-ranking", query="?kind=member"), "empty"),
    Page("dashboards:rates-compound", "officer", _with(_issues, url=_u("dashboards:rates-compound", A1))),
    Page("dashboards:meetings", "officer", _with(_meetings, url=_u("dashboards:meetings"))),
    Page("dashboards:meetings", "district_admin", _u("dashboards:meetings", query="?level=subdistrict"), "no-meetings"),
    Page("dashboards:meetings", "officer", _u("dashboards:meetings", query="?start=2026-05-01&end=2026-01-01"), "errors"),
    # The issue loop: filing, my issues, the issue, the queue, the compound's public board
    Page("issues:new", "resident", _u("issues:new")),
    Page("issues:new", "resident", _u("issues:new"), "errors", "post", _issue_form, status=400),
    Page("issues:new", "stranger", _u("issues:new"), "not-a-resident"),
    Page("issues:new-on-behalf", "officer", _u("issues:new-on-behalf")),
    Page("issues:new-on-behalf", "district_admin", _u("issues:new-on-behalf"), "pick-compound"),
    Page(
        "issues:similar",
        "neighbour",
        _with(_issues, url=lambda s: reverse("issues:similar") + f"?compound={s.world.a1.pk}&category="
              f"{_issues(s)['issue'].category_id}&building={s.world.home.building.pk}"),
        fragment=True,
    ),
    Page("issues:mine", "resident", _with(_issues, url=_u("issues:mine"))),
    Page("issues:mine", "stranger", _u("issues:mine"), "empty"),
    Page("issues:detail", "resident", _u("issues:detail", ISSUE)),
    Page("issues:detail", "officer", _u("issues:detail", ISSUE), "staff"),
    Page("issues:queue", "officer", _with(_issues, url=_u("issues:queue"))),
    Page("issues:queue", "resident", _u("issues:queue"), "empty"),
    Page("issues:board", "neighbour", _with(_issues, url=_u("issues:board", A1))),
    Page("issues:board", "officer", _u("issues:board", A1), "empty"),
    # Joint meetings: the list, scheduling, the meeting (convenor, invitee, resident's summary), my action items
    Page("meetings:list", "officer", _with(_meetings, url=_u("meetings:list"))),
    Page("meetings:list", "stranger", _u("meetings:list"), "empty"),
    Page("meetings:create", "officer", _u("meetings:create")),
    Page(
        "meetings:create", "officer", _u("meetings:create"), "errors", "post",
        lambda s: {"compound": s.world.a1.pk, "kind": "joint", "title": "", "day": "", "start": "", "end": "", "place": ""},
        status=400,
    ),
    Page("meetings:series-create", "officer", _u("meetings:series-create")),
    Page(
        "meetings:series-create", "officer", _u("meetings:series-create"), "errors", "post",
        lambda s: {"compound": s.world.a1.pk, "title": "", "week_of_month": "2", "weekday": "1"}, status=400,
    ),
    Page("meetings:detail", "officer", _u("meetings:detail", NEXT_MEETING), "convenor"),
    Page("meetings:detail", "resident", _u("meetings:detail", NEXT_MEETING), "invitee"),
    Page("meetings:detail", "neighbour", _u("meetings:detail", PAST_MEETING), "summary"),
    Page("meetings:summary", "neighbour", _u("meetings:summary", PAST_MEETING)),
    Page("meetings:summaries", "neighbour", _with(_meetings, url=_u("meetings:summaries", A1))),
    Page("meetings:summaries", "neighbour", _u("meetings:summaries", A1), "empty"),
    Page(
        "meetings:sign-in", "resident",
        lambda s: reverse("meetings:sign-in", args=[NEXT_MEETING(s)]) + f"?code={_meetings(s)['upcoming'].signin_code}",
    ),
    Page("meetings:actions", "resident", _with(_meetings, url=_u("meetings:actions"))),
    Page("meetings:actions", "stranger", _u("meetings:actions"), "empty"),
    # Star ratings: the campaigns and my tasks, opening one, the campaign, the survey, the entries, a
    # score, the lists, the history, the templates
    Page("ratings:list", "subdistrict_admin", _with(_ratings, url=_u("ratings:list"))),
    Page("ratings:list", "resident", _with(_ratings, url=_u("ratings:list")), "tasks"),
    Page("ratings:list", "stranger", _u("ratings:list"), "empty"),
    Page("ratings:list", "subdistrict_admin", _u("ratings:list"), "no-campaigns"),
    Page("ratings:new", "subdistrict_admin", _u("ratings:new")),
    Page("ratings:new", "subdistrict_admin", _u("ratings:new"), "errors", "post", _campaign_form, status=400),
    Page("ratings:detail", "subdistrict_admin", _u("ratings:detail", RATED("final")), "final"),
    Page("ratings:detail", "subdistrict_admin", _u("ratings:detail", RATED("published")), "published"),
    Page("ratings:detail", "subdistrict_admin", _u("ratings:detail", RATED("survey")), "survey"),
    Page("ratings:detail", "officer", _u("ratings:detail", RATED("appraisal")), "appraisal"),
    Page("ratings:progress", "subdistrict_admin", _u("ratings:progress", RATED("final")), fragment=True),
    Page("ratings:lists", "subdistrict_admin", _u("ratings:lists", RATED("final"))),
    Page("ratings:lists", "subdistrict_admin", _u("ratings:lists", RATED("published")), "not-final"),
    Page("ratings:survey", "resident", _u("ratings:survey", RATED("survey"))),
    Page("ratings:survey", "neighbour", _u("ratings:survey", RATED("survey")), "answered"),
    Page("ratings:survey", "resident", _u("ratings:survey", RATED("final")), "closed"),
    Page("ratings:entries", "resident", _u("ratings:entries", RATED("entries")), "secretary"),
    Page("ratings:entries", "officer", _u("ratings:entries", RATED("entries")), "inspector"),
    Page("ratings:entries", "resident", _u("ratings:entries", RATED("closed_entries")), "closed"),
    Page("ratings:score", "subdistrict_admin", _u("ratings:score", RATING_SCORE("published", "project")), "appeal-waiting"),
    Page("ratings:score", "resident", _u("ratings:score", RATING_SCORE("published", "committee")), "may-appeal"),
    Page("ratings:score", "subdistrict_admin", _u("ratings:score", RATING_SCORE("final", "project")), "red-card"),
    Page("ratings:score", "resident", _u("ratings:score", RATING_SCORE("final", "committee")), "adjusted"),
    Page("ratings:company-history", "subdistrict_admin", _u("ratings:company-history", COMPANY_RATED)),
    Page("ratings:committee-history", "resident", _u("ratings:committee-history", A1_RATED)),
    Page("ratings:committee-history", "resident", _u("ratings:committee-history", A1), "empty"),
    Page("ratings:templates", "subdistrict_admin", _with(_ratings, url=_u("ratings:templates"))),
    Page("ratings:template", "subdistrict_admin", _u("ratings:template", RATED("frozen")), "frozen"),
    Page("ratings:template", "subdistrict_admin", _u("ratings:template", RATED("editable")), "editable"),
    Page(
        "ratings:template", "subdistrict_admin", _u("ratings:template", RATED("editable")), "errors", "post",
        lambda s: {"name": "", "star_bands": "60;70,9", "bonus_cap": "-1", "renew_min_stars": "3", "rectify_days": "90",
                   "white_list_stars": "5", "black_list_starless_years": "2"},
        status=400,
    ),
    # Error pages and the lockout page, reached through real requests
    Page("404", "officer", _u("compounds:compound-detail", B1), status=404),
    Page("403", "resident", _u("compounds:compound-edit", A1), status=403),
    Page("axes-lockout", None, _u("accounts:login"), method="lockout", status=429),
]

# URL names that are not pages a person reads, with the reason.
EXCLUDED = {
    "accounts:logout": "POST-only (Django's LogoutView); redirects",
    "accounts:notification-preference": "POST-only toggle; redirects to the profile page",
    "accounts:notifications-read-all": "POST-only; redirects",
    "accounts:notification-read": "POST-only; redirects",
    "accounts:notification-open": "marks read and redirects to the notification's link",
    "compounds:residency-verify": "POST-only decision; redirects",
    "compounds:residency-reject": "POST-only decision; redirects",
    "compounds:residency-end": "POST-only decision; redirects",
    "set_language": "POST-only language switch; redirects",
    "healthz": "machine-readable JSON for the load balancer",
    "issues:queue-dispatch": "POST-only bulk action; redirects to the queue",
    "committees:committee-dissolve": "POST-only; redirects",
    "committees:seat-end": "POST-only; redirects",
    "committees:staff-end": "POST-only; redirects",
    "party:branch-dissolve": "POST-only; redirects",
    "party:member-leave": "POST-only; redirects",
    "party:seat-end": "POST-only; redirects",
    "party:zone-end": "POST-only; redirects",
    "party:my-checkin-renew": "POST-only; redirects to the member's check-in page",
    "party:my-post-claim": "POST-only; redirects to the member's check-in page",
    "party:post-release": "POST-only; redirects to the member's check-in page",
    "party:member-record": "an .xlsx download, not an HTML page",
    "issues:photo": "an image streamed to those who may see the issue, not an HTML page",
    "issues:support": "POST-only \"me too\"; redirects to the compound's board",
    **{
        f"issues:{slug}": "POST-only action on an issue; redirects, or re-renders issues:detail with the error"
        for slug in (
            "acknowledge", "resolve", "rate", "reopen", "dispatch", "decide-extension", "request-extension",
            "return", "merge", "summon", "cancel", "comment",
        )
    },
    "meetings:calendar": "an .ics calendar file, not an HTML page",
    "meetings:action-done": "POST-only; redirects to my action items",
    **{
        f"meetings:{slug}": "POST-only action on a meeting; redirects, or re-renders meetings:detail with the errors"
        for slug in (
            "reply", "invite", "agenda-pick", "agenda-add", "attendance", "minutes", "decide", "close", "move", "cancel",
        )
    },
    "ratings:score-now": "POST-only; redirects to the campaign, whose page shows the scoring progress",
    "ratings:inspector": "POST-only; redirects, or re-renders ratings:detail with the errors",
    "ratings:export": "an .xlsx download, not an HTML page",
    "ratings:attachment": "an appeal's file streamed to those who may see the score, not an HTML page",
    "ratings:appeal": "POST-only; redirects, or re-renders ratings:score with the errors",
    "ratings:appeal-decide": "POST-only; redirects, or re-renders ratings:score with the errors",
    "ratings:template-new-version": "POST-only; redirects to the new version's page",
}
# Renderings that are not URL names of their own.
PSEUDO_PAGES = {"404", "403", "axes-lockout"}


def _page_url_names() -> set[str]:
    """Every named URL except the APIs (api/…, and Open311's machine interface at open311/…, whose
    error texts the GeoReport spec keeps in English) and Django's admin, which have their own languages."""
    names = set()

    def walk(patterns, prefix, namespace):
        for p in patterns:
            route = prefix + str(p.pattern)
            if isinstance(p, URLResolver):
                if p.namespace == "admin":
                    continue
                ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
                walk(p.url_patterns, route, ns)
            elif p.name and not route.lstrip("^").startswith(("api/", "open311/")):
                names.add(namespace + p.name)

    walk(get_resolver().url_patterns, "", "")
    return names


def test_every_page_url_is_rendered_or_excluded_with_a_reason():
    names = _page_url_names()
    rendered = {p.name for p in PAGES} - PSEUDO_PAGES
    assert names, "no URL names found"
    assert sorted(names - rendered - EXCLUDED.keys()) == [], (
        "add the new page to PAGES (or EXCLUDED, with a reason)"
    )
    assert sorted((rendered | EXCLUDED.keys()) - names) == [], (
        "PAGES/EXCLUDED name a URL that no longer exists"
    )
    assert not rendered & EXCLUDED.keys()


@dataclass
class Scene:
    world: Any
    cast: dict
    pending: Residency
    rejected: Residency
    cache: dict = field(default_factory=dict)  # objects some pages need, built on first use


@pytest.fixture
def scene(
    world,
    resident,
    neighbour,
    stranger,
    officer,
    other_officer,
    subdistrict_admin,
    district_admin,
    system_admin,
):
    """The shared cast plus what makes pages show their full content: a claimant with a pending
    and a rejected claim, an import on record, notifications for the resident."""
    claimant = factories.UserFactory(username="claimant", display_name="王芳", phone="13900001111")
    pending = place_services.residency_claim(
        user=claimant,
        household=world.households[("WA1", "2 号楼", "101")],
        relation="tenant",
        note="房东王先生同意",
    )
    rejected = place_services.residency_claim(
        user=claimant, household=world.households[("WA1", "2 号楼", "102")], relation="co_owner"
    )
    place_services.residency_reject(actor=officer, residency=rejected, reason="不在业主名册上")
    csv = "楼栋,单元,房号,专有面积\n3 号楼,1 单元,301,89.50\n3 号楼,1 单元,302,112.30\n".encode()
    importer.household_import(actor=officer, compound=world.a1, name="三号楼.csv", data=csv)
    cast = {
        "resident": resident,
        "neighbour": neighbour,
        "stranger": stranger,
        "claimant": claimant,
        "officer": officer,
        "other_officer": other_officer,
        "subdistrict_admin": subdistrict_admin,
        "district_admin": district_admin,
        "system_admin": system_admin,
    }
    return Scene(world=world, cast=cast, pending=pending, rejected=rejected)


class _VisibleText(HTMLParser):
    """What a person reads or hears: text outside <script>/<style>, plus the attributes that are
    UI text (placeholder, title, aria-label, alt, the confirmation prompt, button values)."""

    UI_ATTRS = {"placeholder", "title", "aria-label", "alt", "data-confirm"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.hidden += 1
        attrs = dict(attrs)
        for name, value in attrs.items():
            if value and (
                name in self.UI_ATTRS
                or (name == "value" and tag == "input" and attrs.get("type") in ("submit", "button", "reset"))
            ):
                self.parts.append(value)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag in ("script", "style"):
            self.hidden -= 1

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self.hidden -= 1

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _VisibleText()
    parser.feed(html)
    parser.close()
    return "\n".join(parser.parts)


def _data_strings() -> list[str]:
    """Everything the pages show that is data, not UI: names, codes, addresses, rooms, people.
    Longest first, so "江工塑院小区" goes before a shorter string inside it."""
    found: set[str] = set()
    for model, fields in (
        (District, ("name", "code")),
        (Subdistrict, ("name", "code")),
        (Community, ("name", "code")),
        (Compound, ("name", "code", "address")),
        (Building, ("name",)),
        (Household, ("unit", "room")),
        (Residency, ("note", "reason")),
        (User, ("username", "display_name", "email", "phone")),
        (
            PropertyCompany,
            ("name", "credit_code", "address", "contact_name", "contact_phone", "party_instructor"),
        ),
        (PropertyStaff, ("title",)),
        (PropertyContract, ("end_reason",)),
        (PartyBranch, ("name",)),
        (PartyMember, ("employer", "employer_party_organisation")),
        (PartyGroup, ("name",)),
        (ResponsibilityZone, ("name",)),
        (PostClaim, ("note",)),
        (PropertyContract, ("renewal_flag_note",)),
        (RatingCampaign, ("title",)),
        (RatingTemplate, ("code", "name", "description")),
        (RatingSection, ("name_zh", "name_en")),
        (RatingIndicator, ("code", "name_zh", "name_en", "guidance")),
        (RatingEntry, ("note",)),
        (RatingAppeal, ("reason", "decision_reason")),
    ):
        for row in model.objects.values_list(*fields):
            found.update(str(v) for v in row if v)
    found.update(str(h) for h in Household.objects.select_related("building"))
    found.update(HouseholdImport.objects.values_list("file_name", flat=True))
    return sorted(found, key=len, reverse=True)


def _data_words() -> set[str]:
    """Plain words that are data all the same: the codes of the rating templates' indicators and
    the English names of their sections, which the template pages show next to the Chinese names.
    Stripped from a Chinese page only as whole words."""
    found = set(RatingIndicator.objects.values_list("code", flat=True))
    found.update(RatingSection.objects.values_list("name_en", flat=True))
    return {w for w in found if w.isascii() and w.isalpha()}


# English words that may appear on a Chinese page: file formats, encodings, the API's name, and
# the English option of the language switcher (a language is named in its own language).
ALLOWED_ASCII_WORDS = {"CSV", "csv", "Excel", "xlsx", "API", "UTF", "English", "JPEG", "PNG", "WebP", "PDF"}
# Chinese that may appear on an English page besides data: the switcher's own name for Chinese,
# and the Chinese column headers and name patterns that the import help and field help quote
# because residents' spreadsheets and buildings really are written that way.
ALLOWED_CJK_ON_ENGLISH = ["简体中文", "专有面积", "楼栋", "单元", "房号", "号楼"]

_CJK = re.compile(
    r"[\u2e80-\u2fff\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]+"
)


def _render(client, page: Page, scene: Scene, language: str):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = language
    if page.as_:
        client.force_login(scene.cast[page.as_])
    url = page.url(scene)
    if page.method == "lockout":
        response = None
        for _ in range(settings.AXES_FAILURE_LIMIT + 1):
            response = client.post(url, {"username": "resident", "password": "wrong"})
        return response
    if page.method == "post":
        return client.post(url, page.data(scene), follow=page.follow)
    return client.get(url, follow=page.follow)


def _context(text: str, needle: str) -> str:
    i = text.find(needle)
    return " ".join(text[max(0, i - 60) : i + len(needle) + 60].split())


@pytest.mark.parametrize("page", PAGES, ids=[p.id for p in PAGES])
def test_page_in_chinese_has_no_english_ui_text(client, scene, page):
    response = _render(client, page, scene, "zh-hans")
    assert response.status_code == page.status, response.content[:500]
    html = response.content.decode()
    if not page.fragment:
        assert '<html lang="zh-Hans">' in html
    text = visible_text(html)
    assert _CJK.search(text), "a Chinese page without any Chinese"
    for data in _data_strings():
        if not data.isascii() or not data.isalpha():  # plain words are never stripped: they could hide UI
            text = text.replace(data, " ")
    for word in _data_words():  # ... except these, as whole words
        text = re.sub(rf"(?<![A-Za-z]){re.escape(word)}(?![A-Za-z])", " ", text)
    leftovers = sorted({w for w in re.findall(r"[A-Za-z]{3,}", text) if w not in ALLOWED_ASCII_WORDS})
    assert leftovers == [], "untranslated: " + " | ".join(_context(text, w) for w in leftovers)


@pytest.mark.parametrize("page", PAGES, ids=[p.id for p in PAGES])
def test_page_in_english_has_no_chinese_ui_text(client, scene, page):
    response = _render(client, page, scene, "en")
    assert response.status_code == page.status, response.content[:500]
    html = response.content.decode()
    if not page.fragment:
        assert '<html lang="en">' in html
    text = visible_text(html)
    for data in _data_strings() + ALLOWED_CJK_ON_ENGLISH:
        text = text.replace(data, " ")
    leftovers = sorted(set(_CJK.findall(text)))
    assert leftovers == [], "Chinese on the English page: " + " | ".join(_context(text, w) for w in leftovers)


# Templates that no rendering in PAGES reaches, with the reason.
UNRENDERED_TEMPLATES = {
    "400.html": "only for malformed requests (bad Host header …); same layout and tags as 403/404",
    "500.html": "only on a crash; rendered in test_server_error_page_is_translated",
}


def test_every_page_template_is_rendered_by_some_page(client, scene):
    """Templates are pages too: one that no rendering in PAGES reaches is not proven translated.
    (emails/ are not pages; includes/ are parts of pages; drf_spectacular/ is the API's docs.)"""
    reached = set()
    for page in PAGES:
        client.logout()
        response = _render(client, page, scene, "en")
        reached |= {t.name for t in response.templates if t.name}
    pages = {
        str(p.relative_to(TEMPLATES))
        for p in TEMPLATES.rglob("*.html")
        if not str(p.relative_to(TEMPLATES)).startswith(("emails/", "includes/", "drf_spectacular/"))
    }
    assert sorted(pages - reached - UNRENDERED_TEMPLATES.keys()) == [], "render the template's page in PAGES"
    assert sorted(UNRENDERED_TEMPLATES.keys() & reached) == [], (
        "UNRENDERED_TEMPLATES lists a rendered template"
    )


@pytest.mark.parametrize("language,expected", [("zh-hans", "服务器出错"), ("en", "Server error")])
def test_server_error_page_is_translated(rf, language, expected):
    """500.html is rendered without a request context; it must still follow the active language."""
    from django.utils import translation
    from django.views.defaults import server_error

    with translation.override(language):
        response = server_error(rf.get("/"))
    html = response.content.decode()
    assert response.status_code == 500
    assert expected in html
    assert f'<html lang="{"zh-Hans" if language == "zh-hans" else "en"}">' in html


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_language_switcher_names_each_language_in_itself(client, db, language):
    html = client.get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert '<option value="zh-hans" lang="zh-Hans"' in html and ">简体中文</option>" in html
    assert '<option value="en" lang="en"' in html and ">English</option>" in html
    assert "英语" not in html
