"""Time the district-level coverage figures on a district of 10,000 compounds.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/linli_bench .venv/bin/python bench/coverage.py [--compounds 10000]

Builds (once; reused by its district code BENCH) 50 subdistricts, ~500 communities, the compounds
with two buildings of ten households each, a branch covering 90% of them with a secretary and a zone
over ~85% of the households, an owners' committee in term in 90% (three seats, the first held by
the branch secretary: a cross-appointment), a contract in force in 95%, check-ins and posts. Rows
go in with bulk_create: this is benchmark data, not business writes (no history, no roles).
Then calls ``community_figures`` via ``coverage()`` N times and prints min / median / p95 and the
number of queries. Target: under 300 ms.
"""

import argparse
import os
import statistics
import sys
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "governance.settings")
os.environ.setdefault("DEBUG", "1")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from committees.credit_code import make_code  # noqa: E402
from committees.models import Committee, PropertyCompany, PropertyContract, Seat  # noqa: E402
from compounds.models import Building, Community, Compound, District, Household, Subdistrict  # noqa: E402
from governance.accounts.models import User  # noqa: E402
from governance.dashboards import selectors  # noqa: E402
from governance.party.models import (  # noqa: E402
    BranchCoverage,
    BranchSeat,
    MemberCheckIn,
    PartyBranch,
    PartyMember,
    PostClaim,
    ResponsibilityZone,
    ServicePost,
    ZoneHousehold,
)

CODE = "BENCH"
SUBDISTRICTS = 50
BATCH = 5000


def bulk(model, rows):
    return model.objects.bulk_create(rows, batch_size=BATCH)


def build(n_compounds: int) -> District:
    today = timezone.localdate()
    t0 = time.perf_counter()
    with transaction.atomic():
        district = District.objects.create(code=CODE, name="基准区")
        subs = bulk(Subdistrict, [Subdistrict(district=district, code=f"{CODE}-S{i:02d}", name=f"街道{i}") for i in range(SUBDISTRICTS)])
        n_communities = max(1, n_compounds // 20)
        comms = bulk(Community, [
            Community(subdistrict=subs[i % len(subs)], code=f"{CODE}-C{i:04d}", name=f"社区{i}") for i in range(n_communities)
        ])
        compounds = bulk(Compound, [
            Compound(community=comms[i % len(comms)], code=f"{CODE}-X{i:05d}", name=f"小区{i}") for i in range(n_compounds)
        ])
        buildings = bulk(Building, [Building(compound=c, name=f"{b} 号楼") for c in compounds for b in (1, 2)])
        households = bulk(Household, [
            Household(building=b, unit="1 单元", room=f"{f}0{d}", exclusive_area=Decimal("88.00"))
            for b in buildings for f in range(1, 6) for d in (1, 2)
        ])
        print(f"  places: {len(compounds)} compounds, {len(households)} households ({time.perf_counter() - t0:.1f} s)")

        secretaries = bulk(User, [User(username=f"{CODE.lower()}-s{i}", password="!") for i in range(n_compounds)])
        owners = bulk(User, [User(username=f"{CODE.lower()}-o{i}-{k}", password="!") for i in range(n_compounds) for k in (1, 2)])
        branched = [i for i in range(n_compounds) if i % 10]  # 90%
        branches = bulk(PartyBranch, [
            PartyBranch(community=compounds[i].community, name=f"支部{i}", founded_on=today - timedelta(days=400)) for i in branched
        ])
        bulk(BranchCoverage, [BranchCoverage(branch=b, compound=compounds[i]) for b, i in zip(branches, branched, strict=True)])
        members = bulk(PartyMember, [
            PartyMember(user=secretaries[i], branch=b, kind="in_service" if i % 3 == 0 else "resident", employer="某单位" if i % 3 == 0 else "")
            for b, i in zip(branches, branched, strict=True)
        ])
        bulk(BranchSeat, [BranchSeat(branch=m.branch, member=m, role="secretary", term_start=today - timedelta(days=300)) for m in members])
        zones = bulk(ResponsibilityZone, [
            ResponsibilityZone(branch=m.branch, compound=compounds[i], member=m, name="责任区")
            for m, i in zip(members, branched, strict=True)
        ])
        zone_of = {z.compound_id: z for z in zones}
        covered = []
        for h_index, h in enumerate(households):
            compound_id = buildings[h_index // 10].compound_id
            if compound_id in zone_of and h_index % 20 < 18:  # 90% of a zoned compound's households
                covered.append(ZoneHousehold(zone=zone_of[compound_id], household=h))
        bulk(ZoneHousehold, covered)
        print(f"  party: {len(branches)} branches, {len(covered)} households zoned ({time.perf_counter() - t0:.1f} s)")

        committees = bulk(Committee, [
            Committee(compound=compounds[i], kind="owners_committee", term_start=today - timedelta(days=200), term_end=today + timedelta(days=1600))
            for i in branched
        ])
        seats = []
        for c, i in zip(committees, branched, strict=True):
            seats.append(Seat(committee=c, user=secretaries[i], role="chair", started_on=c.term_start))
            seats += [Seat(committee=c, user=owners[2 * i + k], role="member", started_on=c.term_start) for k in (0, 1)]
        bulk(Seat, seats)
        companies = bulk(PropertyCompany, [PropertyCompany(name=f"物业{k}", credit_code=make_code(f"91420500BENCH{k:04d}")) for k in range(50)])
        bulk(PropertyContract, [
            PropertyContract(compound=c, company=companies[i % 50], starts_on=today - timedelta(days=100), ends_on=today + timedelta(days=900),
                             fee_per_m2=Decimal("1.50"), status="active")
            for i, c in enumerate(compounds) if i % 20
        ])
        in_service = [m for m in members if m.kind == "in_service"]
        bulk(MemberCheckIn, [
            MemberCheckIn(member=m, community=m.branch.community, branch=m.branch, checked_in_on=today - timedelta(days=30),
                          expires_on=today + timedelta(days=150), status="lapsed" if k % 6 == 0 else "active")
            for k, m in enumerate(in_service)
        ])
        post = ServicePost.objects.order_by("position").first()
        bulk(PostClaim, [PostClaim(member=m, post=post, community=m.branch.community, claimed_on=today) for m in in_service])
        print(f"  committees, contracts, check-ins ({time.perf_counter() - t0:.1f} s)")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE")
    return district


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--compounds", type=int, default=10_000)
    parser.add_argument("-n", type=int, default=20, help="timed calls")
    args = parser.parse_args()

    district = District.objects.filter(code=CODE).first()
    if district is None:
        print(f"Building the {CODE} district with {args.compounds} compounds …")
        district = build(args.compounds)
    n = Compound.objects.filter(community__subdistrict__district=district).count()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW random_page_cost")
            print(f"random_page_cost = {cursor.fetchone()[0]} (1.1 recommended on SSDs; see bench/README.md)")
    print(f"District {CODE}: {n} compounds, "
          f"{Household.objects.filter(building__compound__community__subdistrict__district=district).count()} households "
          f"({connection.vendor})")

    admin = User.objects.filter(username=f"{CODE.lower()}-admin").first() or User.objects.create(
        username=f"{CODE.lower()}-admin", password="!", is_superuser=True
    )
    selectors.coverage(admin, level="district", area_id=district.pk)  # warm up
    timings, queries = [], 0
    for _ in range(args.n):
        admin.__dict__.pop("_linli_scopes", None)
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            figures = selectors.coverage(admin, level="district", area_id=district.pk)
            timings.append((time.perf_counter() - start) * 1000)
        queries = len(ctx.captured_queries)
    timings.sort()
    p95 = timings[min(len(timings) - 1, round(0.95 * (len(timings) - 1)))]
    total = figures.total.figures
    print(f"coverage(level=district): rows={len(figures.rows)} compounds={total['compounds']} households={total['households']}")
    print(f"  min {timings[0]:.1f} ms · median {statistics.median(timings):.1f} ms · p95 {p95:.1f} ms · {queries} queries · N={args.n}")
    print("  target: under 300 ms —", "OK" if p95 < 300 else "TOO SLOW")


if __name__ == "__main__":
    main()
