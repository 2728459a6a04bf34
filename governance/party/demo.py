"""The demo's Party organisation: a branch for most compounds (two small ones share a joint
branch, 铁路坝小区 has none yet), secretaries and branch committees, 6–9 members each (in-service
members checked in with posts, one check-in about to expire and one lapsed per branch), a party
group and a building leader per building, and responsibility zones covering ~85% of households.

Written through ``governance.party.services`` with the demo officers as actors. Idempotent: a
compound already covered by a branch is left alone, so a second run changes nothing.
"""

import random
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from committees import demo as committees_demo
from compounds import demo as compounds_demo
from compounds.models import Compound, Household
from governance.accounts.models import User

from . import services
from .models import BranchCoverage, PartyBranch, PartyMember, ServicePost

# (compound codes covered, branch name, kind); compounds not listed have no branch yet.
BRANCHES = [
    (["JGSY"], "江工塑院小区党支部", "compound"),
    (["DW"], "东湾小区党支部", "compound"),
    (["THL"], "桃花岭小区党支部", "compound"),
    (["SD"], "上东小区党支部", "compound"),
    (["YMZ"], "夜明珠小区党支部", "compound"),
    (["GZB"], "葛洲坝小区党支部", "compound"),
    (["JGHY"], "继光花苑党支部", "compound"),
    (["QHL", "SLSL"], "樵湖岭胜利四路联合党支部", "joint"),
    (["AJ"], "安居小区党支部", "compound"),
    (["BJHY"], "滨江花园党支部", "compound"),
]
EMPLOYERS = [
    ("国网宜昌供电公司", "国网宜昌供电公司党委"),
    ("宜昌市第一人民医院", "市一医院党委"),
    ("三峡大学", "三峡大学机关党委"),
    ("宜昌市税务局", "市税务局机关党委"),
    ("西陵区实验小学", "区教育局党委"),
]
# Named members the README lists (username, display name, phone, show phone).
DANGYUAN = ("dangyuan", "刘国华", "13800000011", True)


def _officers() -> dict[str, User]:
    return {
        scope: User.objects.get(username=username)
        for username, _name, _phone, role, scope in compounds_demo.STAFF
        if role == "community_officer"
    }


def _member_user(code: str, index: int, rng: random.Random) -> User:
    if (code, index) == ("JGSY", 3):
        username, name, phone, show = DANGYUAN
        user, created = compounds_demo._user(username, name, phone)
        if created and show:
            User.objects.filter(pk=user.pk).update(show_phone=True)
        return user
    position = [c[0] for c in compounds_demo.COMPOUNDS].index(code)
    user, _ = compounds_demo._user(f"dy-{code.lower()}-{index}", compounds_demo._person(rng), f"135{position:02d}{index:06d}")
    return user


def _branch(codes, name, kind, compounds, officer, posts, today) -> PartyBranch:
    main = compounds[codes[0]]
    rng = random.Random(f"party-{codes[0]}")
    branch = services.branch_create(
        actor=officer, community=main.community, name=name, kind=kind,
        founded_on=today - timedelta(days=rng.randrange(400, 2500)), compounds=[compounds[c] for c in codes],
    )
    # Owners 0–2 of the main compound: the party members among its owners' committee seat holders
    # (secretary and committee member 1 are cross-appointed). Fewer in some compounds, for variety.
    position = [c[0] for c in compounds_demo.COMPOUNDS].index(codes[0])
    party_owners = 3 - position % 3
    users = [committees_demo.owner(main, i, officer) for i in range(party_owners)]
    users += [_member_user(codes[0], i, rng) for i in range(len(users), rng.randrange(6, 10))]
    members = []
    for index, user in enumerate(users):
        # Members 3–5 are in-service (reporting from an employer), the rest resident or retired.
        if 3 <= index <= 5:
            employer, organisation = EMPLOYERS[(position + index) % len(EMPLOYERS)]
            member = services.member_add(actor=officer, branch=branch, user=user, kind="in_service",
                                         employer=employer, employer_party_organisation=organisation)
        else:
            member = services.member_add(actor=officer, branch=branch, user=user, kind="retired" if index >= 8 else "resident")
        members.append(member)
    term_start = today - timedelta(days=rng.randrange(100, 900))
    for member, role in zip(members, ("secretary", "committee_member", "committee_member"), strict=False):
        services.branch_seat_add(actor=officer, branch=branch, member=member, role=role, term_start=term_start,
                                 term_end=term_start + timedelta(days=5 * 365))

    # In-service members: one checked in a month ago, one expiring within 14 days, one lapsed
    # (checked in 200 days ago; the periodic scan at the end of the seed marks it).
    for member, days_ago in zip(members[3:6], (30, 172, 200), strict=False):
        services.checkin_register(
            actor=officer, member=member, community=branch.community,
            posts=posts[(member.pk % 5):(member.pk % 5) + 1 + member.pk % 2], note="每月参加一次小区志愿服务",
            today=today - timedelta(days=days_ago),
        )

    # A building leader and a party group per building; a zone per pair of buildings (a member
    # answers for 40-odd households), leaving half of the last building of each compound to be
    # zoned (so the figures show ~85%, not a perfect 100%).
    leaders = members[1:] or members
    n = 0
    for code in codes:
        compound = compounds[code]
        households = list(
            Household.objects.filter(building__compound=compound).select_related("building").order_by("building__name", "unit", "room")
        )
        buildings = sorted({h.building for h in households}, key=lambda b: b.name)
        for building in buildings:
            member = members[3] if (code, building.name) == ("JGSY", "1 号楼") else leaders[n % len(leaders)]
            n += 1
            services.building_leader_set(actor=officer, building=building, member=member)
            services.group_save(actor=officer, branch=branch, name=f"{compound.name}{building.name}党小组", buildings=[building], leader=member)
        for first in range(0, len(buildings), 2):
            pair = buildings[first:first + 2]
            member = members[3] if (code, pair[0].name) == ("JGSY", "1 号楼") else leaders[n % len(leaders)]
            n += 1
            label = "、".join(b.name for b in pair)
            ids = {b.pk for b in pair}
            mine = [h for h in households if h.building_id in ids]
            if pair[-1] == buildings[-1]:
                mine = [h for h in mine if h.building_id != pair[-1].pk or not h.unit.startswith("2")]
            services.zone_save(actor=officer, branch=branch, compound=compound, member=member,
                               name=f"{label}责任区", households=mine)
    return branch


def seed(stdout=None) -> dict:
    say = stdout.write if stdout else (lambda s: None)
    today = timezone.localdate()
    officers = _officers()
    compounds = {c.code: c for c in Compound.objects.filter(code__in=[c[0] for c in compounds_demo.COMPOUNDS]).select_related("community")}
    posts = list(ServicePost.objects.filter(active=True).order_by("position", "code"))
    for codes, name, kind in BRANCHES:
        if BranchCoverage.objects.filter(compound__code__in=codes).exists():
            continue
        with transaction.atomic():
            _branch(codes, name, kind, compounds, officers[compounds[codes[0]].community.code], posts, today)
    services.checkins_scan(today=today)
    counts = {
        "branches": PartyBranch.objects.count(),
        "members": PartyMember.objects.count(),
        "households_zoned": Household.objects.filter(zone_coverage__isnull=False).count(),
        "households": Household.objects.count(),
    }
    say(f"Demo Party organisation: {counts}")
    return counts


def accounts_table() -> list[tuple[str, str, str]]:
    return [
        ("shuji", "王德明", "Branch secretary, 江工塑院小区党支部; chair of its owners' committee"),
        (DANGYUAN[0], DANGYUAN[1], "Party member (in-service, checked in); zone member and leader of 1 号楼, 江工塑院小区"),
        ("dy-<code>-<n>", "", "Other party members, e.g. dy-dw-3"),
    ]
