"""The demo world's ground: one district, two subdistricts, four communities, twelve compounds
with ~1,000 households, officers, admins and residents in every verification state.

Idempotent: every object is looked up by its code or username first, households come in through
the import service (which changes nothing on a second run), claims are filed once.
"""

import random
from decimal import Decimal

from django.db import transaction

from governance.accounts.models import User
from governance.accounts.roles import Role

from . import importer, services
from .models import Community, Compound, Department, District, Household, Residency, Subdistrict

DEMO_PASSWORD = "linli-demo-2026"

DISTRICT = ("XL", "西陵区")
SUBDISTRICTS = [("XL-XY", "学院街道"), ("XL-YJ", "云集街道")]
COMMUNITIES = [
    ("XL-XY-DW", "东湾社区", "XL-XY"),
    ("XL-XY-SD", "上东社区", "XL-XY"),
    ("XL-YJ-JG", "继光社区", "XL-YJ"),
    ("XL-YJ-AJ", "安居社区", "XL-YJ"),
]
COMPOUNDS = [
    ("JGSY", "江工塑院小区", "XL-XY-DW", "西陵区东湖大道 18 号", 1996, 5),
    ("DW", "东湾小区", "XL-XY-DW", "西陵区东湾路 6 号", 2003, 4),
    ("THL", "桃花岭小区", "XL-XY-DW", "西陵区桃花岭路 21 号", 2008, 4),
    ("SD", "上东小区", "XL-XY-SD", "西陵区上东路 99 号", 2001, 4),
    ("YMZ", "夜明珠小区", "XL-XY-SD", "西陵区夜明珠路 12 号", 1999, 3),
    ("GZB", "葛洲坝小区", "XL-XY-SD", "西陵区西陵二路 30 号", 1990, 4),
    ("JGHY", "继光花苑", "XL-YJ-JG", "西陵区继光路 8 号", 2010, 4),
    ("QHL", "樵湖岭小区", "XL-YJ-JG", "西陵区樵湖一路 5 号", 2005, 3),
    ("SLSL", "胜利四路小区", "XL-YJ-JG", "西陵区胜利四路 17 号", 1998, 3),
    ("AJ", "安居小区", "XL-YJ-AJ", "西陵区安居路 2 号", 2012, 5),
    ("BJHY", "滨江花园", "XL-YJ-AJ", "西陵区沿江大道 66 号", 2015, 4),
    ("TLB", "铁路坝小区", "XL-YJ-AJ", "西陵区铁路坝路 3 号", 1988, 3),
]
DEPARTMENTS = [
    ("区住房和城乡建设局", "XL", None),
    ("区城市管理执法局", "XL", None),
    ("区市场监督管理局", "XL", None),
    ("区生态环境分局", "XL", None),
    ("学院街道综合执法队", None, "XL-XY"),
    ("云集街道综合执法队", None, "XL-YJ"),
]
# (username, display name, phone, role, scope code)
STAFF = [
    ("admin", "系统管理员", "13900000000", Role.SYSTEM_ADMIN, None),
    ("district", "王建国（区住建局）", "13900000001", Role.DISTRICT_ADMIN, "XL"),
    ("xueyuan", "李红梅（学院街道）", "13900000002", Role.SUBDISTRICT_ADMIN, "XL-XY"),
    ("yunji", "赵志强（云集街道）", "13900000003", Role.SUBDISTRICT_ADMIN, "XL-YJ"),
    ("dongwan", "陈晓燕（东湾社区）", "13900000011", Role.COMMUNITY_OFFICER, "XL-XY-DW"),
    ("shangdong", "刘伟（上东社区）", "13900000012", Role.COMMUNITY_OFFICER, "XL-XY-SD"),
    ("jiguang", "周敏（继光社区）", "13900000013", Role.COMMUNITY_OFFICER, "XL-YJ-JG"),
    ("anju", "孙丽（安居社区）", "13900000014", Role.COMMUNITY_OFFICER, "XL-YJ-AJ"),
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志强玉兰海燕春梅德明国华红梅晓东文博子涵雨萱浩然思远"


def _person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


_HASH: dict[str, str] = {}


def _user(username, display_name, phone) -> tuple[User, bool]:
    user = User.objects.filter(username=username).first()
    if user:
        return user, False
    if "hash" not in _HASH:
        # Hash once: PBKDF2 per user would make the seed take a minute for nothing.
        probe = User()
        probe.set_password(DEMO_PASSWORD)
        _HASH["hash"] = probe.password
    # No e-mail addresses: the seeded history would otherwise mail undeliverable demo addresses
    # through whatever EMAIL_URL the worker has (docker compose). In-app notifications still show.
    user = User(username=username, display_name=display_name, phone=phone, password=_HASH["hash"])
    user.save()
    return user, True


def _household_csv(rng: random.Random, buildings: int) -> bytes:
    lines = ["楼栋,单元,房号,专有面积"]
    for b in range(1, buildings + 1):
        floors = rng.choice((5, 6))
        for unit in (1, 2):
            for floor in range(1, floors + 1):
                for door in (1, 2):
                    area = Decimal(rng.randrange(5500, 14500)) / 100
                    lines.append(f"{b} 号楼,{unit} 单元,{floor}0{door},{area}")
    return ("\n".join(lines) + "\n").encode("utf-8")


def seed(stdout=None) -> dict:
    rng = random.Random(20261124)
    say = stdout.write if stdout else (lambda s: None)
    with transaction.atomic():
        district, _ = District.objects.get_or_create(code=DISTRICT[0], defaults={"name": DISTRICT[1]})
        subs = {
            code: Subdistrict.objects.get_or_create(code=code, defaults={"name": name, "district": district})[0]
            for code, name in SUBDISTRICTS
        }
        comms = {
            code: Community.objects.get_or_create(code=code, defaults={"name": name, "subdistrict": subs[sub]})[0]
            for code, name, sub in COMMUNITIES
        }
        for name, district_code, sub_code in DEPARTMENTS:
            Department.objects.get_or_create(
                name=name, defaults={"district": district if district_code else None, "subdistrict": subs.get(sub_code)}
            )
        scope_of = {"XL": district} | subs | comms
        staff = {}
        for username, display_name, phone, role, scope_code in STAFF:
            user, _ = _user(username, display_name, phone)
            services.role_grant(user=user, role=role, scope=scope_of.get(scope_code) if scope_code else None)
            staff[username] = user
        officer_of = {s[4]: staff[s[0]] for s in STAFF if s[3] == Role.COMMUNITY_OFFICER}

    compounds = {}
    for code, name, community_code, address, built, n_buildings in COMPOUNDS:
        compound = Compound.objects.filter(code=code).first()
        officer = officer_of[community_code]
        if compound is None:
            compound = services.compound_create(
                actor=officer, community=comms[community_code], name=name, code=code, address=address, built_year=built
            )
        importer.household_import(
            actor=officer, compound=compound, name=f"{code}.csv", data=_household_csv(random.Random(code), n_buildings)
        )
        compounds[code] = compound

    # Residents: two named ones for the README, then a crowd in every verification state.
    resident, _ = _user("resident", "张秀英", "13800000001")
    neighbour, _ = _user("neighbour", "李建华", "13800000002")
    first = Household.objects.filter(building__compound=compounds["JGSY"]).order_by("building__name", "unit", "room")
    dongwan = officer_of["XL-XY-DW"]
    for person, household in ((resident, first[0]), (neighbour, first[1])):
        if not Residency.objects.filter(user=person).exists():
            r = services.residency_claim(user=person, household=household, relation="owner")
            services.residency_verify(actor=dongwan, residency=r)

    crowd = 0
    for index in range(120):
        username = f"r{index:03d}"
        phone = f"137{index:08d}"
        user, created = _user(username, _person(rng), phone)
        code, _name, community_code, *_ = COMPOUNDS[index % len(COMPOUNDS)]
        households = list(Household.objects.filter(building__compound=compounds[code]).order_by("pk")[:60])
        household = households[(index * 7) % len(households)]
        if created or not Residency.objects.filter(user=user).exists():
            r = services.residency_claim(user=user, household=household, relation=rng.choice(["owner", "owner", "tenant", "family"]))
            officer = officer_of[community_code]
            fate = index % 10
            if fate < 7:
                services.residency_verify(actor=officer, residency=r)
            elif fate == 7:
                services.residency_reject(actor=officer, residency=r, reason="业主名册中无此人，请携房产证到社区核实")
            crowd += 1
    counts = {
        "compounds": Compound.objects.count(),
        "households": Household.objects.count(),
        "residencies": Residency.objects.count(),
    }
    say(f"Demo world: {counts}")
    return counts


def accounts_table() -> list[tuple[str, str, str]]:
    rows = [(u, d, r.label) for u, d, _p, r, _s in STAFF]
    rows += [("resident", "张秀英", "Resident, 江工塑院小区"), ("neighbour", "李建华", "Resident, 江工塑院小区")]
    rows += [("r000 … r119", "", "Residents of all compounds (verified, pending, rejected)")]
    return rows
