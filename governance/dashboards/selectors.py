"""Reads for the dashboards: "who serves us" for one compound, and the coverage figures.

Coverage is counted with a handful of GROUP BY queries keyed by community (never a query per
compound), then rolled up to subdistricts and districts in Python: the number of queries does not
grow with the number of compounds (pinned in tests/dashboards, timed in bench/coverage.py).
"""

from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

from django.core.cache import cache
from django.db import connection
from django.db.models import Case, Count, Exists, IntegerField, Max, OuterRef, Prefetch, Q, Value, When
from django.http import Http404
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from committees.models import BodyKind, Committee, ContractStatus, PropertyContract, PropertyStaff, Seat
from compounds.models import (
    Building,
    Community,
    Compound,
    District,
    Household,
    Residency,
    ResidencyStatus,
    Subdistrict,
)
from compounds.scopes import scopes_for
from governance.caching import shared_cache
from governance.party.models import (
    BranchCoverage,
    BranchSeat,
    BuildingLeader,
    CheckInStatus,
    MemberCheckIn,
    PartyMember,
    PostClaim,
    ResponsibilityZone,
    ZoneHousehold,
)

# Bodies that count as "an owners' committee (or interim committee) formed" in a compound.
COMMITTEE_KINDS = (BodyKind.OWNERS_COMMITTEE, BodyKind.INTERIM_COMMITTEE)


def _active_party_member(user_ref: str):
    return Exists(PartyMember.objects.filter(user_id=OuterRef(user_ref), left_on__isnull=True))


SEAT_RANK = Case(
    When(role="chair", then=Value(0)), When(role="vice_chair", then=Value(1)), default=Value(2), output_field=IntegerField()
)


def in_term(today: date) -> Q:
    return Q(dissolved_on__isnull=True, term_start__lte=today, term_end__gte=today)


# --- Who serves us ------------------------------------------------------------------------------


def access_who_serves_us(user, compound_id) -> Compound:
    """The compound if the caller lives there (verified) or manages it; 404 otherwise."""
    scopes = scopes_for(user)
    qs = Compound.objects.select_related("community__subdistrict")
    if not scopes.system_admin:
        qs = qs.filter(scopes.compound_q() | Q(pk__in=scopes.resident_compounds))
    try:
        return qs.get(pk=compound_id)
    except (Compound.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


@dataclass
class WhoServesUs:
    compound: Compound
    branch: object = None
    secretary: object = None
    branch_seats: list = field(default_factory=list)
    my_homes: list = field(default_factory=list)  # [{"household", "zone", "leader"}]
    committees: list = field(default_factory=list)
    contract: object = None
    contacts: list = field(default_factory=list)


def who_serves_us(user, compound: Compound, *, today: date | None = None) -> WhoServesUs:
    """Everything on the page in a fixed number of queries, whatever the size of the compound."""
    today = today or timezone.localdate()
    page = WhoServesUs(compound=compound)

    coverage = BranchCoverage.objects.filter(compound=compound).select_related("branch").first()
    if coverage is not None:
        page.branch = coverage.branch
        page.branch_seats = list(
            BranchSeat.objects.filter(branch=coverage.branch, ended_on__isnull=True)
            .select_related("member__user")
            .order_by("role", "id")
        )
        page.secretary = next((s for s in page.branch_seats if s.role == "secretary"), None)

    residencies = list(
        Residency.objects.filter(user=user, status=ResidencyStatus.VERIFIED, household__building__compound=compound)
        .select_related("household__building", "household__zone_coverage__zone__member__user")
        .order_by("household__building__name", "household__unit", "household__room")
    )
    leaders = {
        leader.building_id: leader
        for leader in BuildingLeader.objects.filter(
            building_id__in={r.household.building_id for r in residencies}, ended_on__isnull=True
        ).select_related("member__user")
    } if residencies else {}
    for residency in residencies:
        household = residency.household
        zone_row = getattr(household, "zone_coverage", None)
        page.my_homes.append(
            {
                "household": household,
                "zone": zone_row.zone if zone_row is not None else None,
                "leader": leaders.get(household.building_id),
            }
        )

    seats = (
        Seat.objects.filter(ended_on__isnull=True)
        .select_related("user")
        .annotate(is_party=_active_party_member("user_id"), rank=SEAT_RANK)
        .order_by("rank", "id")
    )
    page.committees = list(
        Committee.objects.filter(in_term(today), compound=compound)
        .prefetch_related(Prefetch("seats", queryset=seats, to_attr="current_seats"))
        .order_by("kind")
    )

    page.contract = (
        PropertyContract.objects.filter(compound=compound, status=ContractStatus.ACTIVE).select_related("company").first()
    )
    if page.contract is not None:
        page.contacts = list(
            PropertyStaff.objects.filter(company_id=page.contract.company_id, ended_on__isnull=True, is_contact=True)
            .select_related("user")
            .order_by("id")
        )
    return page


# --- Coverage figures ---------------------------------------------------------------------------

LEVELS = ("district", "subdistrict", "community")

FIELDS = (
    "compounds",
    "with_branch",
    "with_committee",
    "with_property",
    "households",
    "households_zoned",
    "committees",
    "committees_with_party",
    "party_share_sum",
    "owners_seat_holders",
    "cross_appointed",
    "checked_in",
    "lapsed",
    "posts_claimed",
)


@dataclass
class CoverageRow:
    key: int | None
    name: str
    figures: dict = field(default_factory=lambda: dict.fromkeys(FIELDS, 0))

    def add(self, other: dict) -> None:
        for name in FIELDS:
            self.figures[name] += other[name]
        self.__dict__.pop("rates", None)

    def _rate(self, part: str, whole: str) -> float | None:
        whole_n = self.figures[whole]
        return round(100 * self.figures[part] / whole_n, 1) if whole_n else None

    @cached_property  # read once per cell and chart series; dropped by ``add``
    def rates(self) -> dict:
        f = self.figures
        return {
            "branch": self._rate("with_branch", "compounds"),
            "committee": self._rate("with_committee", "compounds"),
            "property": self._rate("with_property", "compounds"),
            "zoned": self._rate("households_zoned", "households"),
            "committees_with_party": self._rate("committees_with_party", "committees"),
            "party_share": round(100 * f["party_share_sum"] / f["committees"], 1) if f["committees"] else None,
            "cross": self._rate("cross_appointed", "owners_seat_holders"),
        }


@dataclass
class Coverage:
    level: str
    area_id: int | None
    title: str
    row_kind: str  # what each row is: "district", "subdistrict" or "community"
    rows: list
    total: CoverageRow
    stored: bool = False  # summed from the stored counts (a wide area), not counted live
    # The cache key these figures are kept under (None: not kept); the page keeps its table there too.
    kept_key: str | None = None


def _area(user, level: str | None, area_id) -> tuple[str, int | None, Q, str]:
    """(level, id, filter on Community, row kind) for the asked area, or the caller's widest scope.

    Raises 404 when the caller has no staff scope or the asked area is not wholly theirs."""
    scopes = scopes_for(user)
    if not scopes.is_staff:
        raise Http404
    if level is None:
        if scopes.system_admin:
            return "all", None, Q(), "district"
        if scopes.districts:
            return "all", None, Q(subdistrict__district_id__in=scopes.districts), "subdistrict"
        if scopes.subdistricts:
            return "all", None, Q(subdistrict_id__in=scopes.subdistricts), "community"
        return "all", None, Q(id__in=scopes.communities), "community"
    if level not in LEVELS:
        raise Http404
    try:
        area_id = int(area_id)
    except (TypeError, ValueError):
        raise Http404 from None
    if level == "district":
        if not (scopes.system_admin or area_id in scopes.districts):
            raise Http404
        return level, area_id, Q(subdistrict__district_id=area_id), "subdistrict"
    if level == "subdistrict":
        allowed = scopes.system_admin or area_id in scopes.subdistricts or (
            scopes.districts and Subdistrict.objects.filter(pk=area_id, district_id__in=scopes.districts).exists()
        )
        if not allowed:
            raise Http404
        return level, area_id, Q(subdistrict_id=area_id), "community"
    if not Community.objects.filter(scopes.community_q(), pk=area_id).exists():
        raise Http404
    return level, area_id, Q(pk=area_id), "community"


def _by_community(qs, key: str, **aggregates) -> dict[int, dict]:
    return {row.pop(key): row for row in qs.order_by().values(key).annotate(**aggregates)}


NARROW = 50  # communities
# Above this many communities a page reads the stored figures (``CommunityCoverage``) counted by
# the periodic refresh, rather than counting two million households on every view.
STORED_ABOVE = NARROW


def _t(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _rows(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def community_figures(community_ids: list[int], *, today: date | None = None) -> dict[int, dict]:
    """The coverage figures of each community: six GROUP BY queries, whatever the compounds.

    The big tables (households, zoned households, seats) are aggregated by their own foreign key
    first and only then joined up to the community: joining 200,000 households to their buildings
    and compounds before grouping costs several times more (bench/coverage.py, 10,000 compounds).
    That needs a derived table, which the ORM cannot express, hence the plain SQL below.
    """
    today = today or timezone.localdate()
    result = {cid: dict.fromkeys(FIELDS, 0) for cid in community_ids}
    if not community_ids:
        return result
    ids = list(community_ids)
    marks = ", ".join(["%s"] * len(ids))

    # IN (subquery) rather than a correlated EXISTS: the subquery is hashed once, not run per row.
    has_branch = Q(pk__in=BranchCoverage.objects.values("compound_id"))
    has_committee = Q(
        pk__in=Committee.objects.filter(in_term(today), kind__in=COMMITTEE_KINDS).values("compound_id")
    )
    has_property = Q(pk__in=PropertyContract.objects.filter(status=ContractStatus.ACTIVE).values("compound_id"))
    compounds = _by_community(
        Compound.objects.filter(community_id__in=ids),
        "community_id",
        compounds=Count("pk"),
        with_branch=Count("pk", filter=has_branch),
        with_committee=Count("pk", filter=has_committee),
        with_property=Count("pk", filter=has_property),
    )
    checkins = _by_community(
        MemberCheckIn.objects.filter(community_id__in=ids, status__in=[CheckInStatus.ACTIVE, CheckInStatus.LAPSED]),
        "community_id",
        checked_in=Count("pk", filter=Q(status=CheckInStatus.ACTIVE)),
        lapsed=Count("pk", filter=Q(status=CheckInStatus.LAPSED)),
    )
    posts = _by_community(
        PostClaim.objects.filter(community_id__in=ids, released_on__isnull=True),
        "community_id",
        posts_claimed=Count("pk"),
    )
    for source in (compounds, checkins, posts):
        for cid, figures in source.items():
            result[cid].update(figures)

    household, building, compound = _t(Household), _t(Building), _t(Compound)
    zone_household, zone = _t(ZoneHousehold), _t(ResponsibilityZone)
    # A few communities: look up only their rows. Many (a district): one streaming pass over the
    # table's foreign-key index is cheaper than probing it (with random_page_cost set for SSDs).
    narrow = len(ids) <= NARROW
    narrow_buildings = (
        f"WHERE building_id IN (SELECT b.id FROM {building} b JOIN {compound} c ON c.id = b.compound_id "
        f"WHERE c.community_id IN ({marks}))" if narrow else ""
    )
    narrow_zones = (
        f"WHERE zone_id IN (SELECT r.id FROM {zone} r JOIN {compound} c ON c.id = r.compound_id "
        f"WHERE c.community_id IN ({marks}))" if narrow else ""
    )
    for cid, n in _rows(
        f"""SELECT c.community_id, SUM(h.n) FROM (
                SELECT building_id, COUNT(*) AS n FROM {household}
                {narrow_buildings}
                GROUP BY building_id
            ) h JOIN {building} b ON b.id = h.building_id JOIN {compound} c ON c.id = b.compound_id
            WHERE c.community_id IN ({marks})
            GROUP BY c.community_id""",
        ids * 2 if narrow else ids,
    ):
        result[cid]["households"] = int(n)

    for cid, n in _rows(
        f"""SELECT c.community_id, SUM(z.n) FROM (
                SELECT zone_id, COUNT(*) AS n FROM {zone_household}
                {narrow_zones}
                GROUP BY zone_id
            ) z JOIN {zone} r ON r.id = z.zone_id JOIN {compound} c ON c.id = r.compound_id
            WHERE c.community_id IN ({marks})
            GROUP BY c.community_id""",
        ids * 2 if narrow else ids,
    ):
        result[cid]["households_zoned"] = int(n)

    # Per committee in term: its seats, the party members and the cross-appointed among them;
    # then per community. Cross-appointment is derived here, never stored.
    committee, seat, member, branch_seat = _t(Committee), _t(Seat), _t(PartyMember), _t(BranchSeat)
    owners = BodyKind.OWNERS_COMMITTEE.value
    for cid, n, with_party, share_sum, owners_seats, cross in _rows(
        f"""SELECT c.community_id, COUNT(*),
                   SUM(CASE WHEN s.party_n > 0 THEN 1 ELSE 0 END),
                   SUM(CASE WHEN s.seats_n > 0 THEN 1.0 * s.party_n / s.seats_n ELSE 0 END),
                   SUM(CASE WHEN k.kind = %s THEN s.seats_n ELSE 0 END),
                   SUM(CASE WHEN k.kind = %s THEN s.cross_n ELSE 0 END)
            FROM {committee} k
            JOIN {compound} c ON c.id = k.compound_id
            LEFT JOIN (
                SELECT committee_id, COUNT(*) AS seats_n,
                       SUM(CASE WHEN user_id IN (SELECT user_id FROM {member} WHERE left_on IS NULL)
                                THEN 1 ELSE 0 END) AS party_n,
                       SUM(CASE WHEN user_id IN (
                                    SELECT pm.user_id FROM {branch_seat} bs JOIN {member} pm ON pm.id = bs.member_id
                                    WHERE bs.ended_on IS NULL AND pm.left_on IS NULL)
                                THEN 1 ELSE 0 END) AS cross_n
                FROM {seat} WHERE ended_on IS NULL GROUP BY committee_id
            ) s ON s.committee_id = k.id
            WHERE k.kind IN (%s, %s) AND k.dissolved_on IS NULL AND k.term_start <= %s AND k.term_end >= %s
              AND c.community_id IN ({marks})
            GROUP BY c.community_id""",
        [owners, owners, *[k.value for k in COMMITTEE_KINDS], today, today, *ids],
    ):
        figures = result[cid]
        figures.update(
            committees=int(n), committees_with_party=int(with_party or 0), party_share_sum=float(share_sum or 0),
            owners_seat_holders=int(owners_seats or 0), cross_appointed=int(cross or 0),
        )
    return result


def _figures(community_ids: list[int], today: date | None) -> tuple[dict[int, dict], bool]:
    """Many communities: today's stored figures where there are some, the rest counted live.
    A few (up to ``STORED_ABOVE``): always counted live, which is cheap for them and exact.
    Also says whether every figure came from the stored counts."""
    from .models import CommunityCoverage

    if len(community_ids) <= STORED_ABOVE:
        return community_figures(community_ids, today=today), False
    day = today or timezone.localdate()
    stored = dict(
        CommunityCoverage.objects.filter(community_id__in=community_ids, as_of=day).values_list("community_id", "figures")
    )
    missing = [cid for cid in community_ids if cid not in stored]
    if missing:
        stored.update(community_figures(missing, today=today))
    return {cid: {name: stored[cid].get(name, 0) for name in FIELDS} for cid in community_ids}, not missing


def coverage(user, *, level: str | None = None, area_id=None, today: date | None = None) -> Coverage:
    level, area_id, area_q, row_kind = _area(user, level, area_id)
    key = None
    if today is None and shared_cache():
        # A wide area's figures are sums of the stored counts, so they are kept until a stored
        # count changes: the key holds the stored rows' number and latest refresh (one small
        # query). Sums that counted a community live are never kept. Access was checked above;
        # the key holds only the area, so people with the same area share it.
        from .models import CommunityCoverage

        day = timezone.localdate()
        stamp = CommunityCoverage.objects.filter(as_of=day).aggregate(n=Count("pk"), last=Max("refreshed_at"))
        last = stamp["last"].timestamp() if stamp["last"] else 0
        key = f"dashboards:coverage:{day}:{stamp['n']}:{last}:{level}:{area_id}:{row_kind}:{get_language()}"
        if (cached := cache.get(key)) is not None:
            return cached
    result = _coverage(level, area_id, area_q, row_kind, today)
    if key is not None and result.stored:
        result.kept_key = key
        cache.set(key, result, COVERAGE_CACHE_SECONDS)
    return result


# Also bounds how long a community moved to another subdistrict (which changes no stored count)
# is shown under its old one.
COVERAGE_CACHE_SECONDS = 10 * 60


def _coverage(level, area_id, area_q, row_kind, today) -> Coverage:
    communities = list(
        Community.objects.filter(area_q).values_list(
            "id", "name", "subdistrict_id", "subdistrict__name", "subdistrict__district_id", "subdistrict__district__name"
        ).order_by("subdistrict__district__code", "subdistrict__code", "code")
    )
    figures, all_stored = _figures([c[0] for c in communities], today)
    rows: dict[int, CoverageRow] = {}
    for cid, name, sid, sname, did, dname in communities:
        key, label = {"community": (cid, name), "subdistrict": (sid, sname), "district": (did, dname)}[row_kind]
        rows.setdefault(key, CoverageRow(key=key, name=label)).add(figures[cid])
    total = CoverageRow(key=None, name=str(_("Total")))
    for row in rows.values():
        total.add(row.figures)
    title = ""
    if level == "district":
        title = District.objects.filter(pk=area_id).values_list("name", flat=True).first() or ""
    elif level == "subdistrict":
        title = next((c[3] for c in communities), "")
    elif level == "community":
        title = next((c[1] for c in communities), "")
    return Coverage(
        level=level, area_id=area_id, title=title, row_kind=row_kind, rows=list(rows.values()), total=total,
        stored=all_stored,
    )
