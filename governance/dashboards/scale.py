"""A consistent megacity for benchmarks (``manage.py seed_scale``), written with bulk SQL.

What is generated (default sizes; ``--small`` in brackets):
- one district (code ``SCALE``), 50 [5] subdistricts, up to 10 communities per subdistrict,
  10,000 [100] compounds with 10–30 buildings each and 2,000,000 [20,000] households, skewed per
  compound (a few mega-compounds, many small ones; every compound has households);
- 1,000,000 [10,000] users with unusable passwords: residents with verified residencies (mostly
  owners; a few extra claims still pending), one community officer per community, one admin per
  subdistrict, a district admin, one contact per property company, a responder per department;
- a Party branch for ~97 % of compounds with its secretary and two branch-committee seats,
  60,000 [600] party members (residents of the compound their branch covers), one responsibility
  zone per member covering ~92 % of the compound's households (each household in at most one);
- owners' committees (or interim committees) with seats for most compounds, supervisory boards
  for about half of them; 300 [10] property companies with valid credit codes, a contact each,
  and a contract in force for ~90 % of compounds; district and subdistrict departments;
- role assignments and django-guardian object permissions exactly as the services grant them
  (``compounds.services.role_grant`` and the party, committee and contract services);
- 2,000,000 [20,000] issues over the last 2 years, their timelines (one event per step, in
  order), ratings, reopenings, escalations and department summonses. Each issue follows a planned
  path (routed to the zone's member, the property company, the committee, the branch or the
  community as the category says; returned; acknowledged late and escalated; summoned to a
  department; resolved late; reopened; rated or closed automatically; cancelled or merged) and is
  written as it stands at the moment of the run, so recent issues are still open and every
  deadline the escalation and auto-close jobs look at is consistent with what they would do.

It is benchmark data: rows are generated inside PostgreSQL (``INSERT … SELECT … generate_series``
in chunks, Python never holds the rows), bypassing the services, so there are no history rows
(simple_history ``historical*`` tables stay empty), no notifications, no photos and no e-mail.
The same options and ``--seed`` give the same city (random draws are hashes of row keys and the
seed; times are relative to the moment of the run).
"""

import math
import queue
import random
import re
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from datetime import timedelta

from django.db import connection, transaction
from django.utils import timezone

from committees.credit_code import CHARSET, make_code


@dataclass(frozen=True)
class Sizes:
    compounds: int = 10_000
    subdistricts: int = 50
    households: int = 2_000_000
    users: int = 1_000_000
    members: int = 60_000
    companies: int = 300
    issues: int = 2_000_000
    years: int = 2
    seed: int = 1


DEFAULT = Sizes()
SMALL = Sizes(
    compounds=100, subdistricts=5, households=20_000, users=10_000, members=600, companies=10, issues=20_000
)

DISTRICT_DEPARTMENTS = [
    "区城市管理执法局",
    "区住房和城乡建设局",
    "公安分局",
    "区市场监督管理局",
    "区生态环境分局",
    "区消防救援大队",
    "区水务局",
    "区供电公司",
]
SHOWCASE = 9  # recent issues of the busiest compound held in each open state (see _SHOWCASE)
CHUNK_ROWS = 150_000

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
)
GIVEN = [
    "伟",
    "芳",
    "娜",
    "秀英",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀兰",
    "霞",
    "平",
    "刚",
    "桂英",
    "建华",
    "文",
    "华",
    "红",
    "志强",
    "玉兰",
    "建国",
    "建军",
    "丹",
    "萍",
    "鹏",
    "辉",
    "玲",
    "桂兰",
    "海燕",
    "晓燕",
    "浩",
    "宇",
    "欣怡",
    "子涵",
    "雨轩",
    "思远",
    "国庆",
    "淑珍",
    "春梅",
]
PLACE_WORDS = [
    "锦绣",
    "阳光",
    "翠湖",
    "金桥",
    "银河",
    "东湖",
    "滨江",
    "望江",
    "紫荆",
    "丽景",
    "春晓",
    "桃源",
    "海棠",
    "书香",
    "龙湾",
    "凤凰",
    "碧桂",
    "和平",
    "幸福",
    "长乐",
    "永安",
    "嘉禾",
    "绿洲",
    "枫林",
    "兰亭",
    "明珠",
    "清华",
    "华府",
    "天悦",
    "江南",
    "御景",
    "丰泽",
    "静安",
    "康乐",
    "南山",
    "北苑",
    "西城",
    "东方",
    "新桥",
    "学府",
]
COMPOUND_SUFFIX = ["花园", "小区", "家园", "苑", "新村", "公寓", "华庭", "雅居", "名邸", "佳园"]
SUBDISTRICT_WORDS = [
    "学院",
    "云集",
    "夜明珠",
    "西陵",
    "葛洲坝",
    "窑湾",
    "宝塔河",
    "伍家岗",
    "大公桥",
    "万寿桥",
    "东山",
    "南津关",
    "樵湖",
    "白沙",
    "桃花岭",
    "黄河",
    "长江",
    "珠江",
    "松花",
    "嘉陵",
]
COMPANY_CITY = ["宜昌", "武汉", "襄阳", "荆州", "十堰", "黄石", "孝感", "恩施", "咸宁", "鄂州"]
COMPANY_WORD = [
    "安泰",
    "诚信",
    "恒通",
    "鑫源",
    "中联",
    "万家",
    "绿城",
    "龙湖",
    "嘉和",
    "瑞祥",
    "金盾",
    "宏远",
    "民生",
    "康泰",
    "华信",
    "保利",
    "海天",
    "佳美",
    "永信",
    "怡居",
    "仁和",
    "润泽",
    "德信",
    "乐居",
    "百合",
]
COMMON_AREAS = [
    "北门",
    "南门",
    "东门",
    "地下车库",
    "中心花园",
    "垃圾分类站",
    "健身广场",
    "物业中心前",
    "非机动车棚",
]
DESCRIPTIONS = [
    "情况持续好几天了，请尽快处理。",
    "已经影响到邻居们的正常生活，希望有人来看看。",
    "多次反映未解决，麻烦跟进。",
    "晚上尤其严重，拍了照片。",
    "老人小孩出入不方便，存在安全隐患。",
    "希望物业和社区协调解决。",
]
RESOLUTIONS = [
    "已到现场处理完毕。",
    "已协调相关方整改到位。",
    "已维修，恢复正常。",
    "已清理完毕并加强巡查。",
    "已与当事人沟通解决。",
]
RETURN_REASONS = ["不属于本责任区，请重新派单。", "需要物业公司处理。", "超出本单位职责范围。"]
REOPEN_REASONS = ["问题没有彻底解决。", "过了两天又出现了。", "处理结果不满意，请再看看。"]
SUMMON_REASONS = [
    "涉及违法建设，请执法部门到场处置。",
    "需职能部门协调解决。",
    "小区无法自行解决，请部门报到。",
]


def _arr(items) -> str:
    """A SQL text array literal of fixed words (no user input)."""
    return "ARRAY[" + ",".join("'" + w.replace("'", "''") + "'" for w in items) + "]"


def allocate(
    total: int, weights: list[float], minimum: list[int], caps: list[int] | None = None
) -> list[int]:
    """Split ``total`` into integers ≥ ``minimum`` (≤ ``caps``) proportional to ``weights``
    (largest remainder; deterministic)."""
    n = len(weights)
    out = list(minimum)
    caps = caps or [total] * n
    rest = total - sum(out)
    if rest < 0:
        raise ValueError("minimums exceed the total")
    open_ = [i for i in range(n) if weights[i] > 0 and out[i] < caps[i]]
    while rest > 0 and open_:
        wsum = sum(weights[i] for i in open_)
        shares = {i: rest * weights[i] / wsum for i in open_}
        given = 0
        fracs = []
        for i in open_:
            add = min(int(shares[i]), caps[i] - out[i])
            out[i] += add
            given += add
            fracs.append((shares[i] - int(shares[i]), -i))
        left = rest - given
        fracs.sort(reverse=True)
        for _f, neg in fracs:
            if left <= 0:
                break
            i = -neg
            if out[i] < caps[i]:
                out[i] += 1
                left -= 1
        rest = left
        open_ = [i for i in open_ if out[i] < caps[i]]
    if rest > 0:
        raise ValueError("caps too small for the total")
    return out


class Progress:
    """One line per step: done/total, rate and ETA; rewritten in place on a terminal."""

    def __init__(self, stream=None):
        self.stream = stream or sys.stdout
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.times: dict[str, float] = {}

    def start(self, step: str, total: int):
        self.step, self.total, self.done, self.t0 = step, max(total, 1), 0, time.monotonic()
        if self.tty:
            self._show()

    def advance(self, n: int):
        self.done += n
        self._show()

    def finish(self):
        elapsed = time.monotonic() - self.t0
        self.times[self.step] = elapsed
        self.done = self.total
        self._show(final=True)

    def _show(self, final=False):
        elapsed = time.monotonic() - self.t0
        rate = self.done / elapsed if elapsed > 0 else 0.0
        eta = (self.total - self.done) / rate if rate > 0 else 0.0
        pct = 100.0 * self.done / self.total
        line = f"{self.step:<14} {self.done:>11,}/{self.total:<11,} {pct:5.1f}%  {rate:>10,.0f}/s  "
        line += f"{elapsed:7.1f}s elapsed" if final else f"ETA {eta:6.0f}s"
        if self.tty:
            self.stream.write("\r" + line + ("\n" if final else ""))
        else:
            self.stream.write(line + "\n")
        self.stream.flush()


class ScaleSeeder:
    """Writes the city. ``run()`` expects an empty project (the command checks and resets)."""

    def __init__(self, sizes: Sizes, progress: Progress | None = None):
        self.z = sizes
        self.p = progress or Progress()
        self.now = timezone.now().replace(second=0, microsecond=0)
        self.today = timezone.localdate(self.now)

    # --- helpers ------------------------------------------------------------------------------

    @staticmethod
    def _escape(query, params):
        # With parameters, a modulo ``%`` must be doubled; ``%s`` and ``%(name)s`` stay.
        return (re.sub(r"%(?![s(%])", "%%", query), params) if params is not None else (query, None)

    def sql(self, query, params=None):
        with connection.cursor() as cur:
            cur.execute(*self._escape(query, params))
            return cur.rowcount

    def val(self, query, params=None):
        with connection.cursor() as cur:
            cur.execute(*self._escape(query, params))
            return cur.fetchone()[0]

    def r(self, key: str, salt: int) -> str:
        """A uniform [0, 1) draw, a hash of a row key, the seed and a salt."""
        return f"((hashint8extended(({key})::bigint, {self.z.seed * 1000 + salt}) & 281474976710655)::float8 / 281474976710656.0)"

    def name_expr(self, uid: str) -> str:
        return (
            f"(({_arr(SURNAMES)})[1 + (({uid}) * 7919 % {len(SURNAMES)})::int]"
            f" || ({_arr(GIVEN)})[1 + (({uid}) * 104729 % {len(GIVEN)})::int])"
        )

    def offsets(self):
        tables = {
            "sub": "compounds_subdistrict",
            "comm": "compounds_community",
            "cmp": "compounds_compound",
            "bld": "compounds_building",
            "hh": "compounds_household",
            "usr": "accounts_user",
            "dep": "compounds_department",
            "br": "party_partybranch",
            "mem": "party_partymember",
            "zone": "party_responsibilityzone",
            "cte": "committees_committee",
            "co": "committees_propertycompany",
            "iss": "issues_issue",
            "dist": "compounds_district",
        }
        self.off = {k: self.val(f"SELECT coalesce(max(id), 0) FROM {t}") for k, t in tables.items()}
        self.explicit_tables = list(tables.values())

    # --- the plan, in Python (arrays of one entry per compound) ---------------------------------

    def plan(self):
        z = self.z
        rng = random.Random(z.seed)
        n = z.compounds
        self.comm_per_sub = max(1, min(10, n // z.subdistricts))
        self.n_comm = self.comm_per_sub * z.subdistricts
        self.n_dept = len(DISTRICT_DEPARTMENTS) + z.subdistricts
        staff = self.n_comm + z.subdistricts + 1 + z.companies + self.n_dept
        self.n_res = z.users - staff
        ranks = list(range(n))
        rng.shuffle(ranks)
        w_hh = [(ranks[c] + 1) ** -0.6 * math.exp(rng.gauss(0, 0.25)) for c in range(n)]
        min_hh = max(1, min(20, z.households // n // 4))
        hh = allocate(z.households, w_hh, [min_hh] * n)
        self.big = max(range(n), key=lambda c: (hh[c], -c))
        nb = [min(hh[c], rng.randint(10, 30)) for c in range(n)]
        res = allocate(self.n_res, [float(h) for h in hh], [1] * n)
        covered = [c == self.big or rng.random() >= 0.03 for c in range(n)]
        caps = [res[c] if covered[c] else 0 for c in range(n)]
        mem = allocate(
            z.members,
            [float(res[c]) if covered[c] else 0.0 for c in range(n)],
            [1 if covered[c] else 0 for c in range(n)],
            caps,
        )
        contract = [c == self.big or rng.random() < 0.9 for c in range(n)]
        company = [min(z.companies - 1, int(z.companies * rng.random() ** 1.8)) for c in range(n)]
        committee = []
        board = []
        for c in range(n):
            u = rng.random()
            kind = (
                "owners_committee"
                if (c == self.big or u < 0.85)
                else ("interim_committee" if u < 0.93 else "")
            )
            committee.append(kind)
            board.append(kind == "owners_committee" and rng.random() < 0.55)
        showcase = SHOWCASE if z.issues >= 200 else 0
        self.showcase = showcase
        w_iss = [hh[c] ** 1.15 * math.exp(rng.gauss(0, 0.3)) for c in range(n)]
        iss = allocate(z.issues - showcase, w_iss, [0] * n)
        self.arrays = {
            "hh": hh,
            "nb": nb,
            "res": res,
            "covered": covered,
            "mem": mem,
            "contract": contract,
            "company": company,
            "committee": committee,
            "board": board,
            "iss": iss,
        }

    def validate(self) -> list[str]:
        z = self.z
        errors = []
        for name, value in asdict(z).items():
            if name != "seed" and value < (0 if name in ("issues",) else 1):
                errors.append(f"--{name} must be at least {0 if name == 'issues' else 1}.")
        if errors:
            return errors
        staff = (
            max(1, min(10, z.compounds // z.subdistricts)) * z.subdistricts + z.subdistricts + 1 + z.companies
        )
        staff += len(DISTRICT_DEPARTMENTS) + z.subdistricts
        if z.subdistricts > z.compounds:
            errors.append(f"--subdistricts ({z.subdistricts}) cannot exceed --compounds ({z.compounds}).")
        if z.households < z.compounds:
            errors.append(
                f"--households ({z.households:,}) must be at least --compounds ({z.compounds:,}): every compound has households."
            )
        if z.members < z.compounds:
            errors.append(
                f"--members ({z.members:,}) must be at least --compounds ({z.compounds:,}): each branch needs its secretary."
            )
        need = staff + max(z.compounds, 2 * z.members)
        if z.users < need:
            errors.append(
                f"--users ({z.users:,}) is too small: {staff:,} officers, admins, responders and company contacts, "
                f"plus at least max(compounds, 2 × members) = {max(z.compounds, 2 * z.members):,} residents; use at least {need:,}."
            )
        if z.users >= 900_000_000:
            errors.append(
                "--users must be below 900,000,000 (phone numbers are derived from the user number)."
            )
        if z.years > 20:
            errors.append("--years must be at most 20.")
        return errors

    # --- steps --------------------------------------------------------------------------------

    def run(self):
        self.offsets()
        self.plan()
        self.policy = dict(
            zip(
                [
                    "rating_window_days",
                    "escalation_hours",
                    "summons_response_hours",
                    "summons_resolution_hours",
                ],
                self._policy(),
                strict=True,
            )
        )
        self._session_settings()
        steps = [
            ("places", self.step_places),
            ("buildings", self.step_buildings),
            ("households", self.step_households),
            ("users", self.step_users),
            ("residencies", self.step_residencies),
            ("party", self.step_party),
            ("committees", self.step_committees),
            ("roles", self.step_roles),
            ("issues", self.step_issues),
            ("supports", self.step_supports),
            ("sequences", self.step_sequences),
        ]
        for name, fn in steps:
            self.sql("SELECT setseed(%s)", [((self.z.seed * 7919) % 10000) / 10000.0])
            fn(name)
        self.sql("SET synchronous_commit = on")
        return self.p.times

    def _session_settings(self):
        self.sql("SET synchronous_commit = off")
        self.sql("SET max_parallel_workers_per_gather = 0")
        self.sql("SET work_mem = '256MB'")

    def _policy(self):
        with connection.cursor() as cur:
            cur.execute(
                "SELECT rating_window_days, escalation_hours, summons_response_hours, summons_resolution_hours "
                "FROM issues_issuepolicy WHERE id = 1"
            )
            row = cur.fetchone()
        return row or (7, 48, 24, 120)

    def step_places(self, step):
        z, o, a = self.z, self.off, self.arrays
        n = z.compounds
        self.p.start(step, n + self.n_comm + z.subdistricts + 1)
        self.sql(
            "INSERT INTO compounds_district (id, name, code) VALUES (%s, '规模测试区', 'SCALE')",
            [o["dist"] + 1],
        )
        self.sql(
            f"""INSERT INTO compounds_subdistrict (id, name, code, district_id)
            SELECT {o["sub"]} + s, ({_arr(SUBDISTRICT_WORDS)})[1 + (s - 1) % {len(SUBDISTRICT_WORDS)}]
                   || CASE WHEN s > {len(SUBDISTRICT_WORDS)} THEN ((s - 1) / {len(SUBDISTRICT_WORDS)} + 1)::text ELSE '' END || '街道',
                   'SCALE-S' || s, {o["dist"] + 1}
            FROM generate_series(1, {z.subdistricts}) s"""
        )
        self.sql(
            f"""INSERT INTO compounds_community (id, name, code, subdistrict_id)
            SELECT {o["comm"]} + k, ({_arr(PLACE_WORDS)})[1 + (k * 7) % {len(PLACE_WORDS)}] || k || '社区',
                   'SCALE-C' || k, {o["sub"]} + 1 + (k - 1) / {self.comm_per_sub}
            FROM generate_series(1, {self.n_comm}) k"""
        )
        # The per-compound plan, as a temporary table every later step joins to.
        hstart, bstart, rstart, mstart = [], [], [], []
        h = b = r = m = 0
        for c in range(n):
            hstart.append(h), bstart.append(b), rstart.append(r), mstart.append(m)
            h, b, r, m = h + a["hh"][c], b + a["nb"][c], r + a["res"][c], m + a["mem"][c]
        self.sql("DROP TABLE IF EXISTS sc_c")
        self.sql(
            """CREATE TEMP TABLE sc_c AS
            SELECT t.c::int AS c, t.hh, t.nb, t.hstart, t.bstart, t.res AS r, t.rstart, t.covered, t.mem AS m, t.mstart,
                   t.contract, t.company AS company_ord, t.committee AS committee_kind, t.board, t.iss AS n
            FROM unnest(%(c)s::int[], %(hh)s::int[], %(nb)s::int[], %(hstart)s::bigint[], %(bstart)s::bigint[],
                        %(res)s::int[], %(rstart)s::bigint[], %(covered)s::bool[], %(mem)s::int[], %(mstart)s::bigint[],
                        %(contract)s::bool[], %(company)s::int[], %(committee)s::text[], %(board)s::bool[], %(iss)s::int[])
                 AS t(c, hh, nb, hstart, bstart, res, rstart, covered, mem, mstart, contract, company, committee, board, iss)""",
            {
                "c": list(range(1, n + 1)),
                "hstart": hstart,
                "bstart": bstart,
                "rstart": rstart,
                "mstart": mstart,
                **a,
            },
        )
        u_staff = o["usr"] + self.n_res  # officers follow the residents
        self.u_officer0 = u_staff  # officer of community k: u_officer0 + k
        self.u_sub0 = u_staff + self.n_comm
        self.u_district = self.u_sub0 + z.subdistricts + 1
        self.u_company0 = self.u_district  # contact of company p (1-based): u_company0 + p
        self.u_dept0 = self.u_company0 + z.companies
        self.sql(
            """ALTER TABLE sc_c
                ADD COLUMN compound_id bigint, ADD COLUMN k int, ADD COLUMN s int, ADD COLUMN community_id bigint,
                ADD COLUMN subdistrict_id bigint, ADD COLUMN branch_id bigint, ADD COLUMN company_id bigint,
                ADD COLUMN committee_id bigint, ADD COLUMN staff_user bigint, ADD COLUMN officer_user bigint,
                ADD COLUMN subadmin_user bigint, ADD COLUMN first_user bigint, ADD COLUMN chair_user bigint,
                ADD COLUMN name text, ADD COLUMN cov int, ADD COLUMN zn int"""
        )
        self.sql(
            f"""UPDATE sc_c SET compound_id = {o["cmp"]} + c, k = 1 + (c - 1) % {self.n_comm},
                s = 1 + ((c - 1) % {self.n_comm}) / {self.comm_per_sub},
                name = ({_arr(PLACE_WORDS)})[1 + (c - 1) % {len(PLACE_WORDS)}]
                       || ({_arr(COMPOUND_SUFFIX)})[1 + ((c - 1) / {len(PLACE_WORDS)}) % {len(COMPOUND_SUFFIX)}]
                       || CASE WHEN c > {len(PLACE_WORDS) * len(COMPOUND_SUFFIX)}
                               THEN ((c - 1) / {len(PLACE_WORDS) * len(COMPOUND_SUFFIX)} + 1)::text || '期' ELSE '' END,
                first_user = {o["usr"]} + rstart + 1,
                cov = CASE WHEN covered THEN greatest(1, floor(hh * 0.92)::int) ELSE 0 END"""
        )
        self.sql(
            f"""UPDATE sc_c SET community_id = {o["comm"]} + k, subdistrict_id = {o["sub"]} + s,
                branch_id = CASE WHEN covered THEN {o["br"]} + c END,
                company_id = CASE WHEN contract THEN {o["co"]} + 1 + company_ord END,
                staff_user = CASE WHEN contract THEN {self.u_company0} + 1 + company_ord END,
                committee_id = CASE WHEN committee_kind <> '' THEN {o["cte"]} + c END,
                officer_user = {self.u_officer0} + k, subadmin_user = {self.u_sub0} + s,
                zn = CASE WHEN covered THEN least(m, greatest(1, floor(hh * 0.92)::int)) ELSE 0 END"""
        )
        self.sql("CREATE UNIQUE INDEX ON sc_c (c)")
        self.sql("ANALYZE sc_c")
        self.sql(
            f"""INSERT INTO compounds_compound (id, name, code, address, latitude, longitude, built_year, community_id, grid_id)
            SELECT compound_id, name, 'SCALE-' || c, name || '（' || c || ' 号）', 30.60 + {self.r("c", 1)} * 0.2,
                   111.20 + {self.r("c", 2)} * 0.3, 1985 + floor({self.r("c", 3)} * 38)::int, community_id, NULL
            FROM sc_c ORDER BY c"""
        )
        depts = [(i + 1, name, True) for i, name in enumerate(DISTRICT_DEPARTMENTS)]
        self.sql(
            f"""INSERT INTO compounds_department (id, name, district_id, subdistrict_id)
            SELECT {o["dep"]} + d, name, {o["dist"] + 1}, NULL FROM unnest(%s::int[], %s::text[]) t(d, name)""",
            [[d for d, _n, _x in depts], [nm for _d, nm, _x in depts]],
        )
        nd = len(DISTRICT_DEPARTMENTS)
        self.sql(
            f"""INSERT INTO compounds_department (id, name, district_id, subdistrict_id)
            SELECT {o["dep"]} + {nd} + s, sd.name || '综合执法队', NULL, sd.id
            FROM generate_series(1, {z.subdistricts}) s JOIN compounds_subdistrict sd ON sd.id = {o["sub"]} + s"""
        )
        self.p.finish()

    def _chunks(self, sizes: list[int], target: int = CHUNK_ROWS):
        """Consecutive compound ranges (1-based, inclusive) holding about ``target`` rows each."""
        lo, acc = 1, 0
        for c, size in enumerate(sizes, start=1):
            acc += size
            if acc >= target:
                yield lo, c, acc
                lo, acc = c + 1, 0
        if lo <= len(sizes):
            yield lo, len(sizes), acc

    def step_buildings(self, step):
        o = self.off
        self.p.start(step, sum(self.arrays["nb"]))
        for lo, hi, rows in self._chunks(self.arrays["nb"]):
            self.sql(
                f"""INSERT INTO compounds_building (id, name, floors, compound_id)
                SELECT {o["bld"]} + c.bstart + b + 1, (b + 1) || ' 号楼',
                       least(33, greatest(1, ceil(c.hh::numeric / c.nb / 4)))::int, c.compound_id
                FROM sc_c c CROSS JOIN LATERAL generate_series(0, c.nb - 1) b
                WHERE c.c BETWEEN %s AND %s ORDER BY 1""",
                [lo, hi],
            )
            self.p.advance(rows)
        self.p.finish()

    def step_households(self, step):
        o = self.off
        self.p.start(step, self.z.households)
        for lo, hi, rows in self._chunks(self.arrays["hh"]):
            # Household j of a compound is in building floor(j × nb / hh) (contiguous blocks); its
            # place in the building gives unit (132 per unit), floor and door.
            self.sql(
                f"""INSERT INTO compounds_household (id, unit, room, exclusive_area, building_id)
                SELECT {o["hh"]} + x.hstart + x.j + 1,
                       CASE WHEN x.per > 132 THEN (x.q / 132 + 1) || ' 单元' ELSE '' END,
                       ((x.q % 132) / 4 + 1)::text || lpad(((x.q % 4) + 1)::text, 2, '0'),
                       round((45 + {self.r(f"{o['hh']} + x.hstart + x.j + 1", 4)} * 115)::numeric, 2),
                       {o["bld"]} + x.bstart + x.b + 1
                FROM (
                    SELECT c.hstart, c.bstart, j, (j::bigint * c.nb / c.hh) AS b,
                           j - ((j::bigint * c.nb / c.hh) * c.hh + c.nb - 1) / c.nb AS q, ceil(c.hh::numeric / c.nb) AS per
                    FROM sc_c c CROSS JOIN LATERAL generate_series(0, c.hh - 1) j
                    WHERE c.c BETWEEN %s AND %s
                ) x ORDER BY 1""",
                [lo, hi],
            )
            self.p.advance(rows)
        self.p.finish()

    def step_users(self, step):
        z, o = self.z, self.off
        self.p.start(step, z.users)
        start = self.now - timedelta(days=365 * z.years)
        for lo in range(1, z.users + 1, CHUNK_ROWS * 2):
            hi = min(z.users, lo + CHUNK_ROWS * 2 - 1)
            self.sql(
                f"""INSERT INTO accounts_user (id, password, last_login, is_superuser, username, first_name, last_name,
                        email, is_staff, is_active, date_joined, display_name, phone, show_phone, language)
                SELECT {o["usr"]} + u, '!' || md5('{z.seed}:' || u), NULL, false, 'sc' || u, '', '', '', false, true,
                       %(start)s::timestamptz - interval '1 day' * (200 + floor({self.r("u", 5)} * 1500)),
                       {self.name_expr("u")}, '1' || (3 + u % 7)::text || lpad(u::text, 9, '0'),
                       {self.r("u", 6)} < 0.05, 'zh-hans'
                FROM generate_series(%(lo)s::bigint, %(hi)s::bigint) u""",
                {"lo": lo, "hi": hi, "start": start},
            )
            self.p.advance(hi - lo + 1)
        self.p.finish()

    def step_residencies(self, step):
        o = self.off
        self.p.start(step, self.n_res)
        # Resident i of a compound (user rstart + i + 1) lives in household i × hh / r (or i mod hh
        # when there are more residents than households); the first of each household is mostly
        # the owner, later ones co-owners or family. Resident 0 of every compound is an owner.
        self.sql("DROP TABLE IF EXISTS sc_res")
        self.sql(
            """CREATE TEMP TABLE sc_res (c int, i int, user_id bigint, household_id bigint, building_id bigint,
               relation text, owner_rank int, created_at timestamptz, decided_at timestamptz)"""
        )
        for lo, hi, rows in self._chunks(self.arrays["res"]):
            self.sql(
                f"""INSERT INTO sc_res (c, i, user_id, household_id, building_id, relation, created_at, decided_at)
                SELECT x.c, x.i, x.uid, {o["hh"]} + x.hstart + x.hj + 1, {o["bld"]} + x.bstart + (x.hj::bigint * x.nb / x.hh) + 1,
                       CASE WHEN x.i = 0 THEN 'owner'
                            WHEN x.first THEN CASE WHEN {self.r("x.uid", 7)} < 0.12 THEN 'tenant' ELSE 'owner' END
                            WHEN {self.r("x.uid", 8)} < 0.4 THEN 'co_owner' ELSE 'family' END,
                       u.date_joined + interval '1 hour' * (1 + {self.r("x.uid", 9)} * 48),
                       u.date_joined + interval '1 hour' * (50 + {self.r("x.uid", 10)} * 72)
                FROM (
                    SELECT c.c, i, {o["usr"]} + c.rstart + i + 1 AS uid, c.hstart, c.bstart, c.nb, c.hh,
                           CASE WHEN c.r <= c.hh THEN (i::bigint * c.hh / c.r)::int ELSE i % c.hh END AS hj,
                           (c.r <= c.hh OR i < c.hh) AS first
                    FROM sc_c c CROSS JOIN LATERAL generate_series(0, c.r - 1) i
                    WHERE c.c BETWEEN %s AND %s
                ) x JOIN accounts_user u ON u.id = x.uid""",
                [lo, hi],
            )
            self.sql(
                """INSERT INTO compounds_residency (relation, status, note, reason, decided_at, reminded_at, created_at,
                        decided_by_id, household_id, user_id)
                SELECT r.relation, 'verified', '', '', r.decided_at, NULL, r.created_at, c.officer_user, r.household_id, r.user_id
                FROM sc_res r JOIN sc_c c ON c.c = r.c WHERE r.c BETWEEN %s AND %s ORDER BY r.created_at, r.user_id""",
                [lo, hi],
            )
            self.p.advance(rows)
        self.sql("CREATE INDEX ON sc_res (c, i)")
        self.sql(
            """UPDATE sc_res r SET owner_rank = x.rk FROM (
                 SELECT c, i, row_number() OVER (PARTITION BY c ORDER BY i) AS rk FROM sc_res
                 WHERE relation IN ('owner', 'co_owner')) x
               WHERE x.c = r.c AND x.i = r.i AND x.rk <= 8"""
        )
        self.sql("CREATE INDEX ON sc_res (c, owner_rank) WHERE owner_rank IS NOT NULL")
        self.sql("ANALYZE sc_res")
        # A few claims still waiting for the community's verification (a second household).
        self.sql(
            f"""INSERT INTO compounds_residency (relation, status, note, reason, decided_at, reminded_at, created_at,
                    decided_by_id, household_id, user_id)
            SELECT 'family', 'pending', '帮父母登记', '', NULL, NULL, %(now)s::timestamptz - interval '1 hour' * (1 + {self.r("r.user_id", 11)} * 60),
                   NULL, {o["hh"]} + c.hstart + ((r.household_id - {o["hh"]} - c.hstart) % c.hh + 1) % c.hh + 1, r.user_id
            FROM sc_res r JOIN sc_c c ON c.c = r.c
            WHERE c.hh > 1 AND {self.r("r.user_id", 12)} < 0.01""",
            {"now": self.now},
        )
        self.p.finish()

    def step_party(self, step):
        o, z = self.off, self.z
        self.p.start(step, z.members + z.households)
        start = self.now - timedelta(days=365 * z.years)
        self.sql(
            f"""INSERT INTO party_partybranch (id, name, kind, founded_on, dissolved_on, community_id, grid_id)
            SELECT branch_id, name || '党支部', 'compound',
                   (%(start)s::timestamptz - interval '1 day' * (1800 + floor({self.r("c", 13)} * 1500)))::date, NULL, community_id, NULL
            FROM sc_c WHERE covered ORDER BY c""",
            {"start": start},
        )
        self.sql(
            "INSERT INTO party_branchcoverage (branch_id, compound_id) SELECT branch_id, compound_id FROM sc_c WHERE covered ORDER BY c"
        )
        # Member m of a compound's branch is its resident m; 0 is the secretary, 1 and 2 sit on
        # the branch committee; member m < zn answers for zone m.
        self.sql(
            f"""INSERT INTO party_partymember (id, kind, employer, employer_party_organisation, joined_on, left_on, branch_id, user_id)
            SELECT {o["mem"]} + c.mstart + mi + 1, x.kind,
                   CASE WHEN x.kind = 'in_service' THEN ({_arr(["市供电公司", "市第一人民医院", "市税务局", "市实验中学", "市自来水公司", "区人民法院"])})[1 + floor({self.r("c.mstart + mi", 15)} * 6)::int] ELSE '' END,
                   CASE WHEN x.kind = 'in_service' THEN '机关党委' ELSE '' END,
                   (r.decided_at + interval '1 day' * (1 + {self.r("c.mstart + mi", 16)} * 100))::date, NULL, c.branch_id, r.user_id
            FROM sc_c c CROSS JOIN LATERAL generate_series(0, c.m - 1) mi
            JOIN sc_res r ON r.c = c.c AND r.i = mi
            CROSS JOIN LATERAL (SELECT CASE WHEN {self.r("c.mstart + mi", 14)} < 0.6 THEN 'resident'
                                            WHEN {self.r("c.mstart + mi", 14)} < 0.85 THEN 'in_service' ELSE 'retired' END AS kind) x
            WHERE c.covered ORDER BY 1"""
        )
        self.sql(
            f"""INSERT INTO party_branchseat (role, term_start, term_end, ended_on, branch_id, member_id)
            SELECT CASE WHEN mi = 0 THEN 'secretary' ELSE 'committee_member' END, (pm.joined_on + 30),
                   (pm.joined_on + 30 + 1826), NULL, c.branch_id, pm.id
            FROM sc_c c CROSS JOIN LATERAL generate_series(0, least(c.m, 3) - 1) mi
            JOIN party_partymember pm ON pm.id = {o["mem"]} + c.mstart + mi + 1
            WHERE c.covered ORDER BY c.c, mi"""
        )
        self.sql(
            f"""INSERT INTO party_responsibilityzone (id, name, ended_on, branch_id, compound_id, member_id)
            SELECT {o["zone"]} + c.mstart + mi + 1, '第' || (mi + 1) || '责任区', NULL, c.branch_id, c.compound_id, {o["mem"]} + c.mstart + mi + 1
            FROM sc_c c CROSS JOIN LATERAL generate_series(0, c.zn - 1) mi WHERE c.covered ORDER BY 1"""
        )
        self.p.advance(z.members)
        for lo, hi, rows in self._chunks(self.arrays["hh"]):
            self.sql(
                f"""INSERT INTO party_zonehousehold (zone_id, household_id)
                SELECT {o["zone"]} + c.mstart + mi + 1, {o["hh"]} + c.hstart + j + 1
                FROM sc_c c CROSS JOIN LATERAL generate_series(0, c.zn - 1) mi
                CROSS JOIN LATERAL generate_series((mi::bigint * c.cov / c.zn)::int, ((mi + 1)::bigint * c.cov / c.zn)::int - 1) j
                WHERE c.covered AND c.c BETWEEN %s AND %s ORDER BY 2""",
                [lo, hi],
            )
            self.p.advance(rows)
        # The zone covering most of each building's households (what routing picks for a building).
        self.sql("DROP TABLE IF EXISTS sc_bzone")
        self.sql(
            """CREATE TEMP TABLE sc_bzone AS
            SELECT DISTINCT ON (h.building_id) h.building_id, zh.zone_id
            FROM party_zonehousehold zh JOIN compounds_household h ON h.id = zh.household_id
            GROUP BY h.building_id, zh.zone_id ORDER BY h.building_id, count(*) DESC, zh.zone_id"""
        )
        self.sql("CREATE UNIQUE INDEX ON sc_bzone (building_id)")
        self.sql("ANALYZE sc_bzone")
        self.p.finish()

    def step_committees(self, step):
        o, z = self.off, self.z
        self.p.start(step, z.compounds + z.companies)
        start = self.now - timedelta(days=365 * z.years)
        self.sql(
            f"""INSERT INTO committees_committee (id, kind, term_start, term_end, filed_on, dissolved_on, compound_id)
            SELECT committee_id, committee_kind, x.ts, greatest(x.ts + 1826, %(today)s::date + 200 + floor({self.r("c", 22)} * 800)::int),
                   x.ts + 20, NULL::date, compound_id
            FROM sc_c CROSS JOIN LATERAL (SELECT (%(start)s::timestamptz - interval '1 day' * (60 + floor({self.r("c", 17)} * 500)))::date AS ts) x
            WHERE committee_kind <> ''
            UNION ALL
            SELECT {o["cte"]} + {z.compounds} + c, 'supervisory_board', x.ts,
                   greatest(x.ts + 1826, %(today)s::date + 200 + floor({self.r("c", 22)} * 800)::int), x.ts + 20, NULL::date, compound_id
            FROM sc_c CROSS JOIN LATERAL (SELECT (%(start)s::timestamptz - interval '1 day' * (60 + floor({self.r("c", 17)} * 500)))::date AS ts) x
            WHERE board ORDER BY 1""",
            {"start": start, "today": self.today},
        )
        # Seats: owners' committee (or interim) from owners 1–5, the board from owners 6–8; a third of
        # the chairs are the branch secretary (owner 1), the others owner 2.
        self.sql(
            f"""INSERT INTO committees_seat (role, started_on, ended_on, committee_id, household_id, user_id)
            SELECT CASE WHEN r.owner_rank = x.chair THEN 'chair' WHEN r.owner_rank = 3 - x.chair THEN 'vice_chair' ELSE 'member' END,
                   cm.term_start, NULL::date, cm.id, r.household_id, r.user_id
            FROM sc_c c CROSS JOIN LATERAL (SELECT CASE WHEN c.c % 3 = 0 OR c.r < 2 THEN 1 ELSE 2 END AS chair) x
            JOIN committees_committee cm ON cm.id = c.committee_id
            JOIN sc_res r ON r.c = c.c AND r.owner_rank BETWEEN 1 AND CASE WHEN c.committee_kind = 'interim_committee' THEN 3 ELSE 5 END
            WHERE c.committee_kind <> ''
            UNION ALL
            SELECT CASE WHEN r.owner_rank = 6 THEN 'chair' ELSE 'member' END, cm.term_start, NULL, cm.id, r.household_id, r.user_id
            FROM sc_c c JOIN committees_committee cm ON cm.id = {o["cte"]} + {z.compounds} + c.c
            JOIN sc_res r ON r.c = c.c AND r.owner_rank BETWEEN 6 AND 8
            WHERE c.board ORDER BY 4, 1"""
        )
        # Where owner 2 does not exist (tiny compounds) the first seat takes the chair.
        self.sql(
            """UPDATE committees_seat SET role = 'chair' WHERE id IN (
                 SELECT DISTINCT ON (s.committee_id) s.id FROM committees_seat s
                 WHERE NOT EXISTS (SELECT 1 FROM committees_seat t WHERE t.committee_id = s.committee_id AND t.role = 'chair')
                 ORDER BY s.committee_id, s.id)"""
        )
        self.sql(
            """UPDATE sc_c c SET chair_user = s.user_id FROM committees_seat s
               WHERE s.committee_id = c.committee_id AND s.role = 'chair'"""
        )
        codes = [
            make_code("91420500MA4" + "".join(CHARSET[(p // 31**k) % 31] for k in range(6)))
            for p in range(z.companies)
        ]
        self.sql(
            f"""INSERT INTO committees_propertycompany (id, name, credit_code, address, contact_name, contact_phone, service_phone,
                    has_party_organisation, party_instructor)
            SELECT {o["co"]} + p, ({_arr(COMPANY_CITY)})[1 + (p - 1) % {len(COMPANY_CITY)}]
                   || ({_arr(COMPANY_WORD)})[1 + ((p - 1) / {len(COMPANY_CITY)}) % {len(COMPANY_WORD)}]
                   || CASE WHEN p > {len(COMPANY_CITY) * len(COMPANY_WORD)} THEN ((p - 1) / {len(COMPANY_CITY) * len(COMPANY_WORD)} + 1)::text ELSE '' END
                   || '物业服务有限公司',
                   code, '湖北省' || ({_arr(COMPANY_CITY)})[1 + (p - 1) % {len(COMPANY_CITY)}] || '市', {self.name_expr(f"{self.u_company0} + p")},
                   '0717-' || lpad((6000000 + p * 2)::text, 7, '0'), '0717-' || lpad((6000001 + p * 2)::text, 7, '0'),
                   {self.r("p", 18)} < 0.6, CASE WHEN {self.r("p", 18)} < 0.6 THEN '' ELSE {self.name_expr(f"{self.u_company0} + p + 7")} END
            FROM unnest(%s::text[]) WITH ORDINALITY t(code, p)""",
            [codes],
        )
        self.sql(
            f"""INSERT INTO committees_propertystaff (title, is_contact, started_on, ended_on, company_id, user_id)
            SELECT '项目经理', true, (%(start)s::timestamptz - interval '1 day' * 900)::date, NULL, {o["co"]} + p, {self.u_company0} + p
            FROM generate_series(1, {z.companies}) p""",
            {"start": start},
        )
        self.sql(
            f"""INSERT INTO committees_propertycontract (starts_on, ends_on, fee_per_m2, status, ended_on, end_reason, renewal_flag, renewal_flag_note, company_id, compound_id)
            SELECT x.st, %(today)s::date + 200 + floor({self.r("c", 20)} * 1300)::int, round((0.6 + {self.r("c", 21)} * 2.9)::numeric, 2),
                   'active', NULL, '', '', '', company_id, compound_id
            FROM sc_c CROSS JOIN LATERAL (SELECT (%(start)s::timestamptz - interval '1 day' * (30 + floor({self.r("c", 19)} * 900)))::date AS st) x
            WHERE contract ORDER BY c""",
            {"start": start, "today": self.today},
        )
        self.p.advance(z.compounds + z.companies)
        self.p.finish()

    def step_roles(self, step):
        o, z = self.off, self.z
        self.p.start(step, self.n_res + z.members + z.compounds * 6)
        t_staff = self.now - timedelta(days=365 * z.years + 1000)
        # Residents (verified residency → resident over the compound, granted by the officer).
        for lo, hi, rows in self._chunks(self.arrays["res"], CHUNK_ROWS * 2):
            self.sql(
                """INSERT INTO compounds_roleassignment (role, created_at, ended_at, community_id, compound_id, district_id,
                        granted_by_id, user_id, subdistrict_id, department_id)
                SELECT 'resident', r.decided_at, NULL, NULL, c.compound_id, NULL, c.officer_user, r.user_id, NULL, NULL
                FROM sc_res r JOIN sc_c c ON c.c = r.c WHERE r.c BETWEEN %s AND %s ORDER BY r.user_id""",
                [lo, hi],
            )
            self.p.advance(rows)
        # Party: party_member over the compound the branch covers; seats add secretary/committee.
        self.sql(
            """INSERT INTO compounds_roleassignment (role, created_at, ended_at, community_id, compound_id, district_id,
                    granted_by_id, user_id, subdistrict_id, department_id)
            SELECT 'party_member', pm.joined_on::timestamptz, NULL, NULL, bc.compound_id, NULL, c.officer_user, pm.user_id, NULL, NULL
            FROM party_partymember pm JOIN party_branchcoverage bc ON bc.branch_id = pm.branch_id
            JOIN sc_c c ON c.compound_id = bc.compound_id ORDER BY pm.id"""
        )
        self.sql(
            """INSERT INTO compounds_roleassignment (role, created_at, ended_at, community_id, compound_id, district_id,
                    granted_by_id, user_id, subdistrict_id, department_id)
            SELECT CASE WHEN s.role = 'secretary' THEN 'branch_secretary' ELSE 'branch_committee' END, s.term_start::timestamptz,
                   NULL, NULL, bc.compound_id, NULL, c.officer_user, pm.user_id, NULL, NULL
            FROM party_branchseat s JOIN party_partymember pm ON pm.id = s.member_id
            JOIN party_branchcoverage bc ON bc.branch_id = s.branch_id JOIN sc_c c ON c.compound_id = bc.compound_id ORDER BY s.id"""
        )
        self.p.advance(z.members)
        self.sql(
            """INSERT INTO compounds_roleassignment (role, created_at, ended_at, community_id, compound_id, district_id,
                    granted_by_id, user_id, subdistrict_id, department_id)
            SELECT CASE WHEN cm.kind = 'supervisory_board' THEN 'board_member' ELSE 'committee_member' END, s.started_on::timestamptz,
                   NULL, NULL, cm.compound_id, NULL, c.officer_user, s.user_id, NULL, NULL
            FROM committees_seat s JOIN committees_committee cm ON cm.id = s.committee_id
            JOIN sc_c c ON c.compound_id = cm.compound_id ORDER BY s.id"""
        )
        # Property staff over every compound where their company has a contract in force.
        self.sql(
            """INSERT INTO compounds_roleassignment (role, created_at, ended_at, community_id, compound_id, district_id,
                    granted_by_id, user_id, subdistrict_id, department_id)
            SELECT 'property_staff', greatest(ps.started_on, ct.starts_on)::timestamptz, NULL, NULL, ct.compound_id, NULL,
                   c.officer_user, ps.user_id, NULL, NULL
            FROM committees_propertycontract ct JOIN committees_propertystaff ps ON ps.company_id = ct.company_id AND ps.ended_on IS NULL
            JOIN sc_c c ON c.compound_id = ct.compound_id WHERE ct.status = 'active' ORDER BY ct.id"""
        )
        nd = len(DISTRICT_DEPARTMENTS)
        self.sql(
            f"""INSERT INTO compounds_roleassignment (role, created_at, ended_at, community_id, compound_id, district_id,
                    granted_by_id, user_id, subdistrict_id, department_id)
            SELECT 'community_officer', %(t)s::timestamptz, NULL::timestamptz, {o["comm"]} + k, NULL::bigint, NULL::bigint, NULL::bigint, {self.u_officer0} + k, NULL::bigint, NULL::bigint
            FROM generate_series(1, {self.n_comm}) k
            UNION ALL
            SELECT 'subdistrict_admin', %(t)s, NULL, NULL, NULL, NULL, NULL, {self.u_sub0} + s, {o["sub"]} + s, NULL
            FROM generate_series(1, {z.subdistricts}) s
            UNION ALL
            SELECT 'district_admin', %(t)s, NULL, NULL, NULL, {o["dist"] + 1}, NULL, {self.u_district}, NULL, NULL
            UNION ALL
            SELECT 'department_responder', %(t)s, NULL, NULL, NULL, NULL, NULL, {self.u_dept0} + d, NULL, {o["dep"]} + d
            FROM generate_series(1, {nd + z.subdistricts}) d""",
            {"t": t_staff},
        )
        # django-guardian object permissions, as role_grant assigns them (ROLE_PERMISSIONS).
        perms = {}
        with connection.cursor() as cur:
            cur.execute(
                """SELECT p.codename, p.id FROM auth_permission p JOIN django_content_type ct ON ct.id = p.content_type_id
                   WHERE ct.app_label = 'compounds' AND p.codename IN ('view_compound', 'view_community', 'manage_community',
                   'view_subdistrict', 'manage_subdistrict', 'view_district', 'manage_district')"""
            )
            perms = dict(cur.fetchall())
        for lo in range(0, z.users + 1, CHUNK_ROWS * 4):
            self.sql(
                """INSERT INTO compounds_compounduserobjectpermission (content_object_id, permission_id, user_id)
                SELECT DISTINCT compound_id, %s, user_id FROM compounds_roleassignment
                WHERE compound_id IS NOT NULL AND user_id > %s AND user_id <= %s ORDER BY user_id, compound_id""",
                [perms["view_compound"], o["usr"] + lo, o["usr"] + lo + CHUNK_ROWS * 4],
            )
        for scope, codes in (
            ("community", ("view_community", "manage_community")),
            ("subdistrict", ("view_subdistrict", "manage_subdistrict")),
            ("district", ("view_district", "manage_district")),
        ):
            for code in codes:
                self.sql(
                    f"""INSERT INTO compounds_{scope}userobjectpermission (content_object_id, permission_id, user_id)
                    SELECT {scope}_id, %s, user_id FROM compounds_roleassignment
                    WHERE role = %s AND {scope}_id IS NOT NULL AND user_id > %s ORDER BY user_id""",
                    [
                        perms[code],
                        {
                            "community": "community_officer",
                            "subdistrict": "subdistrict_admin",
                            "district": "district_admin",
                        }[scope],
                        o["usr"],
                    ],
                )
        self.p.advance(z.compounds * 6)
        self.p.finish()

    # --- issues -------------------------------------------------------------------------------

    def _categories(self):
        with connection.cursor() as cur:
            cur.execute(
                """SELECT id, code, default_handler, response_hours, resolution_hours, private_by_default, reopen_allowed, name_zh
                   FROM issues_category WHERE active ORDER BY "order", code"""
            )
            rows = cur.fetchall()
        if not rows:
            raise RuntimeError("no active issue categories (migrations seed them)")
        weights = {
            "parking": 15,
            "sanitation": 12,
            "common-repairs": 10,
            "noise": 8,
            "water-power": 8,
            "property-service": 8,
            "elevator": 6,
            "neighbours": 5,
            "greening": 5,
            "drainage": 5,
            "charging": 5,
            "other": 4,
            "illegal-construction": 3,
            "security": 3,
            "help": 2,
            "elevator-trapped": 1,
        }
        w = [weights.get(r[1], 3) for r in rows]
        buckets = allocate(1000, [float(x) for x in w], [1] * len(rows))
        self.sql("DROP TABLE IF EXISTS sc_cat")
        self.sql(
            """CREATE TEMP TABLE sc_cat (bucket int PRIMARY KEY, id bigint, code text, handler text, rw float8, sw float8,
               private bool, reopen bool, name text)"""
        )
        b = 0
        for row, n in zip(rows, buckets, strict=True):
            self.sql(
                "INSERT INTO sc_cat SELECT g, %s, %s, %s, %s, %s, %s, %s, %s FROM generate_series(%s, %s) g",
                [*row[:3], float(row[3]), float(row[4]), row[5], row[6], row[7], b, b + n - 1],
            )
            b += n
        self.sql("ANALYZE sc_cat")
        codes = {r[1] for r in rows}
        general = next((c for c in ("parking", "sanitation", "greening", "other") if c in codes), rows[0][1])
        branchy = next((c for c in ("noise", "charging", "other") if c in codes), general)
        return general, branchy

    # code, category, hours ago, path, level-2 outcome, reopen, hours after filing for (return,
    # ack, resolve, reopen), last slot kept: the open states held by the busiest compound's most
    # recent issues, whatever the volume (``--small`` and the tests see every state).
    _SHOWCASE = [
        ("submitted", "branchy", 1, "normal", None, False, None, None, None, None, 2),
        ("dispatched", "general", 3, "normal", None, False, None, None, None, None, 2),
        ("in_progress", "general", 10, "normal", None, False, None, 2, None, None, 11),
        ("returned", "general", 8, "return", None, False, 2, None, None, None, 5),
        ("reopened", "general", 60, "normal", None, False, None, 3, 20, 58, 14),
        ("escalated1", "general", 30, "late1", None, False, None, None, None, None, 7),
        ("escalated2", "general", 80, "late2", "stuck", False, None, None, None, None, 9),
        ("summoned", "general", 100, "late2", "summon", False, None, None, None, None, 10),
        ("resolved", "general", 50, "normal", None, False, None, 3, 24, None, 13),
    ]

    # The issue step's tables, and the one secondary index its own queries read (a merged issue's
    # earlier issue in the compound).
    ISSUE_TABLES = ("issues_issue", "issues_issueevent", "issues_summons")
    ISSUE_STEP_READS = ("issue_compound_newest_idx",)

    def _drop_checks(self, tables, keep=()) -> tuple[list, list]:
        """Drop the tables' foreign keys and secondary indexes; return how to put them back.

        PostgreSQL's advice for populating a database ("Remove Indexes", "Remove Foreign Key
        Constraints"): an issue row checks up to 17 deferred keys one lookup at a time and updates
        26 secondary indexes besides its primary key, an event two keys and two indexes (2M issues,
        10.6M events in the full city); rebuilding each index afterwards is one sort and re-adding
        each key one anti-join, which still proves that every generated reference points at a row.
        Primary keys, unique indexes and checks stay. Call inside a transaction: an interrupted
        step then leaves the tables as they were, keys and indexes included. Until it commits, the
        transaction holds exclusive locks on these tables and the tables their keys point to (the
        users, places, party and committee tables): the command runs against a database nothing
        else is using, as the benchmark's.
        """
        # Checks still deferred from earlier writes in an enclosing transaction would make
        # PostgreSQL refuse to alter the tables they concern: run them now.
        connection.check_constraints()
        with connection.cursor() as cur:
            cur.execute(
                """SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint
                   WHERE contype = 'f' AND conrelid = ANY(%s::regclass[]) ORDER BY 1, 2""",
                [list(tables)],
            )
            keys = cur.fetchall()
            cur.execute(
                """SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
                   WHERE i.indrelid = ANY(%s::regclass[]) AND NOT i.indisunique AND NOT i.indisprimary
                     AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
                   ORDER BY 1""",
                [list(tables)],
            )
            catalog = [name for (name,) in cur.fetchall()]
        # Rebuilt with the statements Django's schema editor writes for the models, as the
        # migrations did (PostgreSQL's own deparsed definition of a partial index reads back
        # differently), so only indexes the models declare are dropped; any other is kept.
        declared = self._declared_indexes(tables)
        indexes = [(name, declared[name]) for name in catalog if name in declared and name not in keep]
        qn = connection.ops.quote_name
        for table, name, _definition in keys:
            self.sql(f"ALTER TABLE {qn(table)} DROP CONSTRAINT {qn(name)}")
        for name, _definition in indexes:
            self.sql(f"DROP INDEX {qn(name)}")
        return keys, indexes

    @staticmethod
    def _declared_indexes(tables) -> dict[str, str]:
        """Index name → the CREATE INDEX statement Django's schema editor writes for the tables' models."""
        from django.apps import apps

        statements = {}
        with connection.schema_editor(collect_sql=True) as editor:
            for model in apps.get_models():
                if model._meta.db_table not in tables:
                    continue
                found = [st for field in model._meta.local_fields for st in editor._field_indexes_sql(model, field)]
                found += [index.create_sql(model, editor) for index in model._meta.indexes]
                for statement in found:
                    statements[str(statement.parts["name"]).strip('"')] = str(statement)
        return statements

    def _restore_checks(self, step, saved):
        keys, indexes = saved
        self.p.start(step, len(keys) + len(indexes))
        was = self.val("SHOW maintenance_work_mem")
        self.sql("SET maintenance_work_mem = '1GB'")  # each index sorted in memory
        for _name, definition in indexes:
            self.sql(definition)
            self.p.advance(1)
        qn = connection.ops.quote_name
        for table, name, definition in keys:
            self.sql(f"ALTER TABLE {qn(table)} ADD CONSTRAINT {qn(name)} {definition}")
            self.p.advance(1)
        self.sql("SELECT set_config('maintenance_work_mem', %s, false)", [was])
        self.p.finish()

    def step_issues(self, step):
        self._plan_inputs()
        # Two connections when they can see each other's writes (not inside a caller's
        # transaction): a second one computes each slice's plan while this one writes the one before.
        planner = self._plans_ahead if not connection.in_atomic_block else self._plans_here
        with planner() as plans, transaction.atomic():
            saved = self._drop_checks(self.ISSUE_TABLES, keep=self.ISSUE_STEP_READS)
            self._write_issues(step, plans)
            self._restore_checks("issue indexes", saved)

    def _plan_inputs(self):
        """The categories' buckets and the busiest compound's showcase, read by the plans."""
        general, branchy = self._categories()
        self.sql("DROP TABLE IF EXISTS sc_show")
        self.sql(
            """CREATE TEMP TABLE sc_show (k int PRIMARY KEY, code text, cat text, ago float8, path text, l2 text, reopen bool,
               o_ret float8, o_ack float8, o_res float8, o_ro float8, cut int)"""
        )
        for k, row in enumerate(self._SHOWCASE[: self.showcase], start=1):
            cat = {"general": general, "branchy": branchy}[row[1]]
            self.sql(
                "INSERT INTO sc_show VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                [k, row[0], cat, *row[2:]],
            )
        self.sql("ANALYZE sc_show")

    def _slices(self):
        slices = max(1, math.ceil(self.z.issues / CHUNK_ROWS))
        return [(s, s / slices, (s + 1) / slices, s == slices - 1) for s in range(slices)]

    @contextmanager
    def _plans_here(self):
        """Each slice's plan, computed on this connection when asked for: (table, rows)."""

        def plans():
            base = 0
            for _s, f0, f1, last in self._slices():
                self.sql("DROP TABLE IF EXISTS sc_plan")
                self.sql(self._plan_sql(f0, f1, last, "sc_plan", temp=True), self._plan_params(base))
                n = self.val("SELECT count(*) FROM sc_plan")
                yield "sc_plan", n
                base += n
            self.sql("DROP TABLE IF EXISTS sc_plan")

        yield plans()

    # The plans' inputs this connection keeps in temporary tables, shared with the planner's.
    PLAN_INPUTS = ("sc_c", "sc_res", "sc_bzone", "sc_cat", "sc_show")

    @contextmanager
    def _plans_ahead(self):
        """Each slice's plan, computed by a second connection at most one slice ahead, into an
        unlogged table of its own: (table, rows). A plan is about half of a slice's time and reads only
        the inputs shared here (committed before the step's transaction takes its locks) and the
        zones' households, none of which that transaction locks; the issue tables it writes are
        this connection's alone. Whatever happens, the planner is stopped and its tables dropped."""
        for name in self.PLAN_INPUTS:
            self.sql(f"DROP TABLE IF EXISTS {name}_shared")
            self.sql(f"CREATE UNLOGGED TABLE {name}_shared (LIKE pg_temp.{name} INCLUDING ALL)")
            self.sql(f"INSERT INTO {name}_shared SELECT * FROM pg_temp.{name}")
            self.sql(f"ANALYZE {name}_shared")
        ready: queue.Queue = queue.Queue(maxsize=1)
        stop = threading.Event()
        backend = []  # the planner's server process, to cancel its statement if this side fails

        def hand(item) -> bool:
            while not stop.is_set():
                try:
                    ready.put(item, timeout=0.2)
                    return True
                except queue.Full:
                    continue
            return False

        def planner():
            try:
                # Its own session: the same settings, and the shared inputs under their usual names.
                backend.append(self.val("SELECT pg_backend_pid()"))
                self._session_settings()
                self.sql("SET lock_timeout = '5min'")  # never wait on this connection's step for ever
                for name in self.PLAN_INPUTS:
                    self.sql(f"CREATE TEMP VIEW {name} AS SELECT * FROM {name}_shared")
                base = 0
                for s, f0, f1, last in self._slices():
                    table = f"sc_plan_{s}"
                    self.sql(f"DROP TABLE IF EXISTS {table}")
                    self.sql(self._plan_sql(f0, f1, last, table, temp=False), self._plan_params(base))
                    n = self.val(f"SELECT count(*) FROM {table}")
                    if not hand((table, n)):
                        return
                    base += n
                hand(None)
            except BaseException as exc:  # handed over, raised in the writing connection
                hand(exc)
            finally:
                connection.close()

        def plans():
            while (item := ready.get()) is not None:
                if isinstance(item, BaseException):
                    raise item
                yield item  # its table is dropped below, with the others, once the step is over

        thread = threading.Thread(target=planner, name="seed_scale planner", daemon=True)
        thread.start()
        try:
            yield plans()
        finally:
            stop.set()
            if thread.is_alive() and backend:  # it plans a slice no one will write: stop it now
                self.val("SELECT pg_cancel_backend(%s)", [backend[0]])
            thread.join()
            for name in self._planner_tables():
                self.sql(f"DROP TABLE IF EXISTS {name}")

    @staticmethod
    def _planner_tables() -> list[str]:
        """The unlogged tables the second connection's plans and their shared inputs live in."""
        with connection.cursor() as cur:
            cur.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
                "AND tablename ~ '^sc_(plan_[0-9]+|[a-z]+_shared)$' ORDER BY 1"
            )
            return [name for (name,) in cur.fetchall()]

    def _write_issues(self, step, plans):
        self.p.start(step, self.z.issues)
        base = 0
        for plan, n in plans:
            self.sql(f"ANALYZE {plan}")
            self.sql(self._issue_insert_sql(plan))
            if self.val(f"SELECT count(*) FROM {plan} WHERE state = 'merged'"):
                # Merged into the latest earlier issue of the compound that was itself not void.
                self.sql(
                    f"""UPDATE {plan} p SET dup = (
                         SELECT e.id FROM issues_issue e WHERE e.compound_id = p.compound_id AND e.created_at <= p.t0
                           AND e.id < p.id AND e.state NOT IN ('cancelled', 'merged')
                         ORDER BY e.created_at DESC, e.id DESC LIMIT 1)
                       WHERE p.state = 'merged'"""
                )
                self.sql(
                    f"UPDATE issues_issue i SET duplicate_of_id = p.dup FROM {plan} p WHERE p.state = 'merged' AND i.id = p.id"
                )
            self.sql(self._events_sql(plan))
            self.sql(
                f"""INSERT INTO issues_summons (summoned_at, reason, response_due, resolution_due, responded_at, resolved_at,
                        ended_at, department_id, issue_id, summoned_by_id)
                SELECT e10, ({_arr(SUMMON_REASONS)})[1 + floor(u_txt * {len(SUMMON_REASONS)})::int],
                       e10 + interval '1 hour' * {self.policy["summons_response_hours"]},
                       e10 + interval '1 hour' * {self.policy["summons_resolution_hours"]}, e11, coalesce(e16, e13), NULL,
                       dept_id, id, subadmin_user
                FROM {plan} WHERE l2 = 'summon' AND e10 IS NOT NULL ORDER BY id"""
            )
            base += n
            self.p.advance(n)
        self.issues_written = base
        self.p.finish()

    def _plan_params(self, base):
        z = self.z
        return {
            "now": self.now,
            "start": self.now - timedelta(days=365 * z.years),
            "span": 365 * z.years * 86400.0,
            "base": base,
        }

    def _plan_sql(self, f0: float, f1: float, last: bool, table: str, temp: bool) -> str:
        o, pol = self.off, self.policy
        R = self.r
        show = (
            f"""UNION ALL
            SELECT c.c, -s.k, s.k, %(now)s::timestamptz - interval '1 hour' * s.ago
            FROM sc_show s JOIN sc_c c ON c.c = {self.big + 1}"""
            if last and self.showcase
            else ""
        )
        tpow = 0.8  # time = start + span × x^0.8: a little more every month
        nd = len(DISTRICT_DEPARTMENTS)
        h = "interval '1 hour'"
        # Each stage derives a few times from the stages before it. A MATERIALIZED stage is
        # computed once but copies every row with all its columns (~0.65 s per 100,000 rows each);
        # one that PostgreSQL inlines repeats its expressions wherever the next stage names them, which
        # grows with each inlined stage in a row (all fifteen inlined: twice as slow). So the
        # draws (a), the zones (b), every third stage and the slots and states (q, r) are kept:
        # the same rows (same md5 of the plan), the plan in ~55 % of the time it took with all kept.
        return f"""
CREATE {"TEMP" if temp else "UNLOGGED"} TABLE {table} AS
WITH g AS (
    SELECT c.c, j, 0 AS sc,
           greatest(%(start)s::timestamptz + interval '1 second' * (%(span)s * power({f0}, {tpow})),
             least(%(start)s::timestamptz + interval '1 second' * (%(span)s * power({f1}, {tpow}) - 1),
                   %(start)s::timestamptz + interval '1 second' * (%(span)s * power((j + {R("c.c::bigint * 100000000 + j", 30)}) / c.n, {tpow}))))
           AS t0
    FROM sc_c c CROSS JOIN LATERAL generate_series(ceil(c.n * {f0}::float8)::int, ceil(c.n * {f1}::float8)::int - 1) j
    WHERE c.n > 0
    {show}
), n0 AS (
    SELECT g.*, {o["iss"]} + %(base)s + row_number() OVER (ORDER BY t0, c, j) AS id FROM g
), n AS (
    SELECT n0.*,
           CASE WHEN n0.sc > 0 THEN (SELECT min(x.bucket) FROM sc_cat x JOIN sc_show y ON y.cat = x.code WHERE y.k = n0.sc)
                ELSE floor({R("n0.id", 31)} * 1000)::int END AS bucket,
           CASE WHEN n0.sc > 0 THEN n0.sc % cc.r ELSE floor({R("n0.id", 32)} * cc.r)::int END AS ri_i
    FROM n0 JOIN sc_c cc ON cc.c = n0.c
), a AS MATERIALIZED (
    SELECT n.id, n.c, n.j, n.sc, n.t0, cc.compound_id, cc.community_id, cc.subdistrict_id, cc.s, cc.branch_id, cc.covered,
           cc.m, cc.mstart, cc.rstart, cc.company_id, cc.staff_user, cc.committee_id, cc.chair_user, cc.officer_user,
           cc.subadmin_user, cc.first_user, cc.name AS compound_name, cc.k,
           cat.id AS cat_id, cat.handler AS cat_handler, cat.rw, cat.sw, cat.private, cat.reopen, cat.name AS cat_name,
           sh.path AS s_path, sh.l2 AS s_l2, sh.reopen AS s_reopen, sh.o_ret, sh.o_ack, sh.o_res, sh.o_ro, coalesce(sh.cut, 99) AS cut,
           ri.user_id AS reporter, ri.household_id AS r_household, ri.building_id AS r_building,
           CASE WHEN n.sc > 0 THEN CASE WHEN sh.code = 'submitted' THEN 'a' ELSE 'h' END
                WHEN {R("n.id", 33)} < 0.65 THEN 'h' WHEN {R("n.id", 33)} < 0.9 THEN 'b' ELSE 'a' END AS loc,
           {R("n.id", 34)} AS u_void, {R("n.id", 35)} AS u_pre, {R("n.id", 36)} AS u_l2, {R("n.id", 37)} AS u_lr,
           {R("n.id", 38)} AS u_ro, {R("n.id", 39)} AS u_rate, {R("n.id", 40)} AS u_rt, {R("n.id", 41)} AS u_ch,
           {R("n.id", 42)} AS u_bm, {R("n.id", 43)} AS u_rm, {R("n.id", 44)} AS u_dep, {R("n.id", 45)} AS u_d1,
           {R("n.id", 46)} AS u_d2, {R("n.id", 47)} AS u_d3, {R("n.id", 48)} AS u_d4, {R("n.id", 49)} AS u_d5,
           {R("n.id", 50)} AS u_d6, {R("n.id", 51)} AS u_d7, {R("n.id", 52)} AS u_txt, {R("n.id", 53)} AS u_kind
    FROM n JOIN sc_c cc ON cc.c = n.c
    LEFT JOIN sc_show sh ON sh.k = n.sc
    JOIN sc_cat cat ON cat.bucket = n.bucket
    JOIN sc_res ri ON ri.c = n.c AND ri.i = n.ri_i
), b AS MATERIALIZED (
    SELECT a.*,
           CASE a.loc WHEN 'h' THEN zh.zone_id WHEN 'b' THEN bz.zone_id END AS zone_id
    FROM a LEFT JOIN party_zonehousehold zh ON a.loc = 'h' AND zh.household_id = a.r_household
    LEFT JOIN sc_bzone bz ON a.loc = 'b' AND bz.building_id = a.r_building
), c AS (
    SELECT b.*,
           CASE WHEN cat_handler = 'property' AND company_id IS NOT NULL THEN 'property'
                WHEN cat_handler = 'committee' AND committee_id IS NOT NULL AND chair_user IS NOT NULL THEN 'committee'
                WHEN cat_handler = 'community' THEN 'community'
                WHEN zone_id IS NOT NULL THEN 'member'
                WHEN branch_id IS NOT NULL THEN 'branch' ELSE 'community' END AS h0,
           zone_id - {o["zone"]} - 1 - mstart AS zm,
           floor(u_bm * greatest(m, 1))::int AS bm,
           floor(u_rm * greatest(m, 1))::int AS rm,
           CASE WHEN u_dep < 0.3 THEN {nd} + s ELSE 1 + floor(u_d7 * {nd})::int END AS dept_ord,
           CASE WHEN sc = 0 AND j >= 1 AND u_void < 0.03 THEN 'cancel' WHEN sc = 0 AND j >= 1 AND u_void < 0.05 THEN 'merge' END AS void,
           CASE WHEN u_ch < 0.9 OR sc > 0 THEN 'web' WHEN u_ch < 0.96 THEN 'phone' ELSE 'visit' END AS channel
    FROM b
), d AS (
    SELECT c.*,
           CASE h0 WHEN 'branch' THEN 'member' ELSE h0 END AS h1,
           CASE h0 WHEN 'member' THEN zm WHEN 'branch' THEN bm END AS h1m,
           CASE WHEN sc > 0 THEN s_path
                WHEN u_pre < 0.03 AND h0 <> 'community' THEN 'return'
                WHEN u_pre < 0.10 THEN 'late1' WHEN u_pre < 0.115 THEN 'late2' ELSE 'normal' END AS pre,
           CASE WHEN sc > 0 THEN s_l2 WHEN u_l2 < 0.6 THEN 'summon' WHEN u_l2 < 0.85 THEN 'dispatch' ELSE 'stuck' END AS l2x,
           CASE WHEN h0 = 'branch' THEN t0 + {h} * (0.2 + 7.8 * u_d1) END AS t_bd
    FROM c
), e AS MATERIALIZED (
    SELECT d.*,
           CASE WHEN pre = 'late2' THEN l2x END AS l2,
           CASE WHEN h1 = 'member' THEN CASE WHEN company_id IS NOT NULL THEN 'property' ELSE 'community' END
                ELSE CASE WHEN covered THEN 'member' ELSE 'community' END END AS hr,
           coalesce(t_bd, t0) AS d0,
           coalesce(t_bd, t0) + {h} * rw AS rd0,
           greatest(t0 + {h} * sw, coalesce(t_bd, t0) + {h} * rw) AS sd0,
           CASE WHEN void IS NOT NULL THEN t0 + {h} * least((0.05 + 0.6 * u_d2) * rw, 12) END AS t_void
    FROM d
), f AS (
    SELECT e.*,
           CASE WHEN pre = 'return' THEN coalesce(t0 + {h} * o_ret, d0 + {h} * (0.1 + 0.4 * u_d2) * rw) END AS t_ret,
           CASE WHEN pre IN ('late1', 'late2') THEN rd0 + interval '1 minute' * (1 + 9 * u_d3) END AS t_e1
    FROM e
), g2 AS (
    SELECT f.*,
           t_ret + {h} * (1 + 20 * u_d3) AS t_rd,
           CASE WHEN pre = 'late1' THEN t_e1 + {h} * (1 + 30 * u_d4) END AS t_cd,
           CASE WHEN pre = 'late2' THEN t_e1 + {h} * {pol["escalation_hours"]} + interval '1 minute' * (1 + 9 * u_d4) END AS t_e2
    FROM f
), h AS (
    SELECT g2.*,
           CASE WHEN pre = 'late2' AND l2 <> 'stuck' THEN t_e2 + {h} * CASE WHEN sc > 0 THEN 8 ELSE 2 + 100 * u_d5 END END AS t_sd
    FROM g2
), i AS MATERIALIZED (
    SELECT h.*,
           CASE pre WHEN 'return' THEN t_rd WHEN 'late1' THEN t_cd WHEN 'late2' THEN t_sd ELSE d0 END AS dd,
           CASE WHEN l2 = 'summon' THEN {pol["summons_response_hours"]}::float8 ELSE rw END AS rwf,
           CASE WHEN l2 = 'summon' THEN {pol["summons_resolution_hours"]}::float8 ELSE sw END AS swf,
           sc = 0 AND coalesce(l2, '') <> 'summon' AND u_lr < 0.08 AS late_res,
           CASE WHEN sc > 0 THEN s_reopen OR o_ro IS NOT NULL ELSE reopen AND u_ro < 0.05 END AS reopened,
           CASE pre WHEN 'late1' THEN 1 WHEN 'late2' THEN 2 ELSE 0 END AS level_pre
    FROM h
), j2 AS (
    SELECT i.*,
           CASE WHEN pre = 'normal' THEN sd0 ELSE dd + {h} * swf END AS sd,
           coalesce(t0 + {h} * o_ack, dd + {h} * (0.05 + 0.8 * u_d5) * rwf) AS t_ack
    FROM i
), k AS (
    SELECT j2.*,
           CASE WHEN late_res THEN sd + interval '1 minute' * (1 + 9 * u_d6) END AS t_er
    FROM j2
), l AS MATERIALIZED (
    SELECT k.*,
           coalesce(t0 + {h} * o_res, CASE WHEN late_res THEN t_er + {h} * (0.5 + 40 * u_d1)
                                        ELSE t_ack + (sd - t_ack) * (0.1 + 0.85 * u_d6) END) AS t_res
    FROM k
), m2 AS (
    SELECT l.*, CASE WHEN reopened THEN coalesce(t0 + {h} * o_ro, t_res + {h} * (1 + 100 * u_d2)) END AS t_ro
    FROM l
), n2 AS (
    SELECT m2.*, t_ro + {h} * (0.05 + 0.8 * u_d3) * rw AS t_ack2
    FROM m2
), o2 AS MATERIALIZED (
    SELECT n2.*, t_ack2 + (t_ro + {h} * sw - t_ack2) * (0.1 + 0.85 * u_d4) AS t_res2,
           u_rate < CASE WHEN reopened THEN 0.8 ELSE 0.65 END AS rated
    FROM n2
), p AS (
    SELECT o2.*,
           CASE WHEN rated THEN coalesce(t_res2, t_res) + {h} * (0.5 + 150 * u_d7)
                ELSE coalesce(t_res2, t_res) + interval '1 day' * {pol["rating_window_days"]} + interval '1 minute' * (1 + 59 * u_d7) END AS t_cl
    FROM o2
), q AS MATERIALIZED (   -- each slot as it stands at the moment of the run (NULL: not (yet) happened)
    SELECT p.*,
           t0 AS e1,
           CASE WHEN h0 <> 'branch' THEN t0 END AS e2,
           CASE WHEN t_bd <= %(now)s AND 3 <= cut AND (void IS NULL OR t_void > t_bd) THEN t_bd END AS e3,
           CASE WHEN t_void <= %(now)s THEN t_void END AS e4,
           CASE WHEN void IS NULL AND 5 <= cut AND t_ret <= %(now)s THEN t_ret END AS e5,
           CASE WHEN void IS NULL AND 6 <= cut AND t_rd <= %(now)s THEN t_rd END AS e6,
           CASE WHEN void IS NULL AND 7 <= cut AND t_e1 <= %(now)s THEN t_e1 END AS e7,
           CASE WHEN void IS NULL AND 8 <= cut AND t_cd <= %(now)s THEN t_cd END AS e8,
           CASE WHEN void IS NULL AND 9 <= cut AND t_e2 <= %(now)s THEN t_e2 END AS e9,
           CASE WHEN void IS NULL AND 10 <= cut AND t_sd <= %(now)s THEN t_sd END AS e10,
           CASE WHEN void IS NULL AND 11 <= cut AND t_ack <= %(now)s THEN t_ack END AS e11,
           CASE WHEN void IS NULL AND 12 <= cut AND t_er <= %(now)s THEN t_er END AS e12,
           CASE WHEN void IS NULL AND 13 <= cut AND t_res <= %(now)s THEN t_res END AS e13,
           CASE WHEN void IS NULL AND 14 <= cut AND t_ro <= %(now)s THEN t_ro END AS e14,
           CASE WHEN void IS NULL AND 15 <= cut AND t_ack2 <= %(now)s THEN t_ack2 END AS e15,
           CASE WHEN void IS NULL AND 16 <= cut AND t_res2 <= %(now)s THEN t_res2 END AS e16,
           CASE WHEN void IS NULL AND 17 <= cut AND t_cl <= %(now)s THEN t_cl END AS e17
    FROM p
), r AS MATERIALIZED (
    SELECT q.*,
           CASE WHEN e17 IS NOT NULL THEN 'closed' WHEN e16 IS NOT NULL THEN 'resolved' WHEN e15 IS NOT NULL THEN 'in_progress'
                WHEN e14 IS NOT NULL THEN 'reopened' WHEN e13 IS NOT NULL THEN 'resolved' WHEN e12 IS NOT NULL THEN 'escalated'
                WHEN e11 IS NOT NULL THEN 'in_progress' WHEN e10 IS NOT NULL THEN 'dispatched' WHEN e9 IS NOT NULL THEN 'escalated'
                WHEN e8 IS NOT NULL THEN 'dispatched' WHEN e7 IS NOT NULL THEN 'escalated' WHEN e6 IS NOT NULL THEN 'dispatched'
                WHEN e5 IS NOT NULL THEN 'returned' WHEN e4 IS NOT NULL THEN CASE void WHEN 'cancel' THEN 'cancelled' ELSE 'merged' END
                WHEN e3 IS NOT NULL OR e2 IS NOT NULL THEN 'dispatched' ELSE 'submitted' END AS state,
           CASE WHEN e10 IS NOT NULL AND l2 = 'summon' THEN 'department' WHEN e6 IS NOT NULL THEN hr
                WHEN e2 IS NOT NULL OR e3 IS NOT NULL THEN h1 ELSE 'branch' END AS hk,
           CASE WHEN e14 IS NOT NULL THEN t_ro + {h} * rw
                WHEN e10 IS NOT NULL THEN t_sd + {h} * rwf WHEN e8 IS NOT NULL THEN t_cd + {h} * rw
                WHEN e6 IS NOT NULL THEN t_rd + {h} * rw WHEN e3 IS NOT NULL THEN t_bd + {h} * rw ELSE t0 + {h} * rw END AS response_due,
           CASE WHEN e14 IS NOT NULL THEN t_ro + {h} * sw
                WHEN e10 IS NOT NULL THEN t_sd + {h} * swf WHEN e8 IS NOT NULL THEN t_cd + {h} * sw
                WHEN e6 IS NOT NULL THEN t_rd + {h} * sw WHEN e3 IS NOT NULL THEN greatest(t0 + {h} * sw, t_bd + {h} * rw)
                ELSE t0 + {h} * sw END AS resolution_due,
           CASE WHEN e12 IS NOT NULL THEN least(2, level_pre + 1) WHEN e9 IS NOT NULL OR e10 IS NOT NULL THEN 2
                WHEN e7 IS NOT NULL THEN 1 ELSE 0 END AS level,
           (e3 IS NOT NULL)::int + (e4 IS NOT NULL)::int + (e5 IS NOT NULL)::int + (e6 IS NOT NULL)::int + (e7 IS NOT NULL)::int
             + (e8 IS NOT NULL)::int + (e9 IS NOT NULL)::int + (e10 IS NOT NULL)::int + (e11 IS NOT NULL)::int
             + (e12 IS NOT NULL)::int + (e13 IS NOT NULL)::int + (e14 IS NOT NULL)::int + (e15 IS NOT NULL)::int
             + (e16 IS NOT NULL)::int + (e17 IS NOT NULL)::int AS version,
           greatest(e1, e2, e3, e4, e5, e6, e7, e8, e9, e10, e11, e12, e13, e14, e15, e16, e17) AS updated_at,
           {o["dep"]} + dept_ord AS dept_id, {self.u_dept0} + dept_ord AS dept_user
    FROM q
)
SELECT r.*,
       -- the person behind a handler kind: member, company contact, committee chair, officer, responder
       CASE h1 WHEN 'member' THEN {o["usr"]} + rstart + h1m + 1 WHEN 'property' THEN staff_user
               WHEN 'committee' THEN chair_user ELSE officer_user END AS h1_user,
       CASE hr WHEN 'member' THEN {o["usr"]} + rstart + rm + 1 WHEN 'property' THEN staff_user ELSE officer_user END AS hr_user,
       CASE WHEN branch_id IS NOT NULL THEN first_user ELSE officer_user END AS dispatcher,
       NULL::bigint AS dup,
       CASE WHEN u_rt < CASE WHEN reopened THEN 0.35 ELSE 0.7 END THEN 'satisfied'
            WHEN u_rt < CASE WHEN reopened THEN 0.7 ELSE 0.9 END THEN 'basic' ELSE 'dissatisfied' END AS rating
FROM r
"""

    def _issue_insert_sql(self, plan: str) -> str:
        o = self.off
        pol = self.policy
        h = "interval '1 hour'"
        person = "CASE WHEN l2 = 'summon' THEN dept_user WHEN e6 IS NOT NULL THEN hr_user ELSE h1_user END"
        kinds = _arr(["snapshot", "complaint", "suggestion", "help_request", "enquiry", "micro_wish"])
        return f"""
INSERT INTO issues_issue (id, common_area, latitude, longitude, kind, description, reporter_name, reporter_phone,
    reporter_email, channel, anonymous, private, contact_preference, state, level, handler_kind, created_at, dispatched_at,
    response_due, resolution_due, acknowledged_at, resolved_at, closed_at, escalated_at, escalation_due, reopen_count,
    escalation_count, rating, rating_comment, rated_at, resolution_note, supporters_count, version, updated_at, branch_id,
    building_id, category_id, community_id, compound_id, duplicate_of_id, filed_by_id, handler_committee_id,
    handler_company_id, handler_department_id, handler_member_id, holder_id, household_id, reporter_id, subdistrict_id,
    zone_id, client_id, response_missed)
SELECT id,
    CASE WHEN loc = 'a' THEN ({_arr(COMMON_AREAS)})[1 + floor(u_txt * {len(COMMON_AREAS)})::int] ELSE '' END,
    NULL, NULL,
    ({kinds})[CASE WHEN u_kind < 0.5 THEN 1 WHEN u_kind < 0.7 THEN 2 WHEN u_kind < 0.8 THEN 3 WHEN u_kind < 0.9 THEN 4
                   WHEN u_kind < 0.98 THEN 5 ELSE 6 END],
    cat_name || '：' || ({_arr(DESCRIPTIONS)})[1 + floor(u_txt * {len(DESCRIPTIONS)})::int],
    '', '', '', channel, u_kind > 0.95, private, 'in_app', state, level,
    hk,
    t0,
    CASE WHEN e10 IS NOT NULL THEN e10 WHEN e8 IS NOT NULL THEN e8 WHEN e6 IS NOT NULL THEN e6 WHEN e3 IS NOT NULL THEN e3
         WHEN e2 IS NOT NULL THEN e2 END,
    response_due, resolution_due,
    CASE WHEN e15 IS NOT NULL THEN e15 WHEN e14 IS NOT NULL THEN NULL WHEN e11 IS NOT NULL THEN e11 END,
    CASE WHEN e16 IS NOT NULL THEN e16 WHEN e14 IS NOT NULL THEN NULL ELSE e13 END,
    coalesce(e17, e4),
    coalesce(e12, e9, e7),
    CASE WHEN state IN ('submitted', 'dispatched', 'reopened') THEN response_due
         WHEN state = 'in_progress' THEN resolution_due
         WHEN state = 'returned' THEN updated_at + {h} * {pol["escalation_hours"]}
         WHEN state = 'escalated' AND level < 2 THEN coalesce(e12, e9, e7) + {h} * {pol["escalation_hours"]} END,
    (e14 IS NOT NULL)::int,
    (e7 IS NOT NULL)::int + (e9 IS NOT NULL)::int + (e12 IS NOT NULL)::int,
    CASE WHEN e17 IS NOT NULL AND rated THEN rating ELSE '' END,
    CASE WHEN e17 IS NOT NULL AND rated AND rating = 'dissatisfied' THEN '处理太慢。' ELSE '' END,
    CASE WHEN e17 IS NOT NULL AND rated THEN e17 END,
    CASE WHEN e16 IS NOT NULL OR e13 IS NOT NULL THEN ({_arr(RESOLUTIONS)})[1 + floor(u_d5 * {len(RESOLUTIONS)})::int] ELSE '' END,
    0, version, updated_at, branch_id,
    CASE WHEN loc IN ('h', 'b') THEN r_building END, cat_id, community_id, compound_id, NULL,
    CASE WHEN channel <> 'web' THEN officer_user END,
    CASE WHEN hk = 'committee' THEN committee_id END,
    CASE WHEN hk = 'property' THEN company_id END,
    CASE WHEN hk = 'department' THEN dept_id END,
    CASE WHEN hk = 'member' THEN {o["mem"]} + mstart + CASE WHEN e6 IS NOT NULL THEN rm ELSE h1m END + 1 END,
    CASE WHEN e15 IS NOT NULL THEN {person} WHEN e14 IS NOT NULL THEN NULL WHEN e11 IS NOT NULL THEN {person} END,
    CASE WHEN loc = 'h' THEN r_household END, reporter, subdistrict_id, zone_id, NULL, e7 IS NOT NULL
FROM {plan} ORDER BY id
"""

    def _events_sql(self, plan: str) -> str:
        label = f"""CASE {{k}} WHEN 'member' THEN {self.name_expr("{u}")} WHEN 'property' THEN co.name
                     WHEN 'committee' THEN compound_name || ' 业主委员会' WHEN 'community' THEN cm.name ELSE '' END"""
        person = "CASE WHEN l2 = 'summon' THEN dept_user WHEN e6 IS NOT NULL THEN hr_user ELSE h1_user END"
        lab_h1 = label.format(k="h1", u="h1_user")
        lab_hr = label.format(k="hr", u="hr_user")
        return f"""
INSERT INTO issues_issueevent (action, at, from_state, to_state, note, public, data, actor_id, issue_id)
SELECT v.action, v.at, v.fs, v.ts, v.note, true, v.data, v.actor, p.id
FROM {plan} p
LEFT JOIN committees_propertycompany co ON co.id = p.company_id
JOIN compounds_community cm ON cm.id = p.community_id
LEFT JOIN compounds_department dp ON dp.id = p.dept_id
CROSS JOIN LATERAL (VALUES
  (1, 'file', e1, CASE WHEN channel = 'web' THEN reporter ELSE officer_user END, '', 'submitted', '',
      jsonb_build_object('channel', channel, 'on_behalf', channel <> 'web')),
  (2, 'route', e2, NULL, 'submitted', 'dispatched', '', jsonb_build_object('handler_kind', h0, 'handler', {lab_h1})),
  (3, 'dispatch', e3, dispatcher, 'submitted', 'dispatched', '', jsonb_build_object('handler_kind', 'member', 'handler', {lab_h1})),
  (4, CASE void WHEN 'cancel' THEN 'cancel' ELSE 'merge' END, e4, CASE void WHEN 'cancel' THEN reporter ELSE dispatcher END,
      CASE WHEN e2 IS NOT NULL OR e3 IS NOT NULL THEN 'dispatched' ELSE 'submitted' END,
      CASE void WHEN 'cancel' THEN 'cancelled' ELSE 'merged' END, '',
      CASE void WHEN 'merge' THEN jsonb_build_object('into', dup) ELSE '{{}}'::jsonb END),
  (5, 'return', e5, h1_user, 'dispatched', 'returned', ({_arr(RETURN_REASONS)})[1 + floor(u_txt * {len(RETURN_REASONS)})::int], '{{}}'::jsonb),
  (6, 'dispatch', e6, dispatcher, 'returned', 'dispatched', '', jsonb_build_object('handler_kind', hr, 'handler', {lab_hr})),
  (7, 'escalate', e7, NULL, 'dispatched', 'escalated', '',
      jsonb_build_object('level', 1, 'overdue', 'response', 'from_state', 'dispatched')),
  (8, 'dispatch', e8, officer_user, 'escalated', 'dispatched', '', jsonb_build_object('handler_kind', h1, 'handler', {lab_h1})),
  (9, 'escalate', e9, NULL, 'escalated', 'escalated', '', jsonb_build_object('level', 2, 'overdue', 'response', 'from_state', 'escalated')),
  (10, CASE l2 WHEN 'summon' THEN 'summon' ELSE 'dispatch' END, e10, subadmin_user, 'escalated', 'dispatched',
      CASE l2 WHEN 'summon' THEN ({_arr(SUMMON_REASONS)})[1 + floor(u_txt * {len(SUMMON_REASONS)})::int] ELSE '' END,
      CASE l2 WHEN 'summon' THEN jsonb_build_object('department', dp.name)
              ELSE jsonb_build_object('handler_kind', h1, 'handler', {lab_h1}) END),
  (11, 'acknowledge', e11, {person}, 'dispatched', 'in_progress', '', '{{}}'::jsonb),
  (12, 'escalate', e12, NULL, 'in_progress', 'escalated', '',
      jsonb_build_object('level', least(2, level_pre + 1), 'overdue', 'resolution', 'from_state', 'in_progress')),
  (13, 'resolve', e13, {person}, CASE WHEN e12 IS NOT NULL THEN 'escalated' ELSE 'in_progress' END, 'resolved',
      ({_arr(RESOLUTIONS)})[1 + floor(u_d5 * {len(RESOLUTIONS)})::int], '{{}}'::jsonb),
  (14, 'reopen', e14, reporter, 'resolved', 'reopened', ({_arr(REOPEN_REASONS)})[1 + floor(u_txt * {len(REOPEN_REASONS)})::int], '{{}}'::jsonb),
  (15, 'acknowledge', e15, {person}, 'reopened', 'in_progress', '', '{{}}'::jsonb),
  (16, 'resolve', e16, {person}, 'in_progress', 'resolved', ({_arr(RESOLUTIONS)})[1 + floor(u_d5 * {len(RESOLUTIONS)})::int], '{{}}'::jsonb),
  (17, CASE WHEN rated THEN 'rate' ELSE 'auto_close' END, e17, CASE WHEN rated THEN reporter END, 'resolved', 'closed',
      CASE WHEN rated AND rating = 'dissatisfied' THEN '处理太慢。' ELSE '' END,
      CASE WHEN rated THEN jsonb_build_object('rating', rating) ELSE '{{}}'::jsonb END)
) AS v(slot, action, at, actor, fs, ts, note, data)
WHERE v.at IS NOT NULL
ORDER BY p.id, v.slot
"""

    def step_supports(self, step):
        self.p.start(step, 1)
        # issue_merge: the duplicate's reporter follows the issue it was merged into.
        self.sql(
            """INSERT INTO issues_issuesupport (created_at, issue_id, user_id)
            SELECT DISTINCT ON (i.duplicate_of_id, i.reporter_id) i.closed_at, i.duplicate_of_id, i.reporter_id
            FROM issues_issue i JOIN issues_issue t ON t.id = i.duplicate_of_id
            WHERE i.state = 'merged' AND i.reporter_id IS NOT NULL AND i.reporter_id <> coalesce(t.reporter_id, 0)
            ORDER BY i.duplicate_of_id, i.reporter_id, i.closed_at"""
        )
        self.sql(
            """UPDATE issues_issue i SET supporters_count = s.n
               FROM (SELECT issue_id, count(*) AS n FROM issues_issuesupport GROUP BY issue_id) s WHERE s.issue_id = i.id"""
        )
        self.p.finish()

    def step_sequences(self, step):
        self.p.start(step, len(self.explicit_tables))
        for table in self.explicit_tables:
            self.sql(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), greatest((SELECT coalesce(max(id), 0) FROM {table}), 1), "
                f"(SELECT count(*) > 0 FROM {table}))"
            )
        for t in ("sc_c", "sc_res", "sc_bzone", "sc_cat", "sc_show"):
            self.sql(f"DROP TABLE IF EXISTS {t}")
        self.p.finish()


BIG_TABLES = [
    "accounts_user",
    "compounds_building",
    "compounds_household",
    "compounds_residency",
    "compounds_roleassignment",
    "compounds_compounduserobjectpermission",
    "party_partymember",
    "party_responsibilityzone",
    "party_zonehousehold",
    "committees_seat",
    "issues_issue",
    "issues_issueevent",
    "issues_summons",
    "issues_issuesupport",
    "compounds_compound",
]

# Rows the migrations seed and --reset keeps (with Django's own tables).
KEEP_TABLES = {
    "django_migrations",
    "django_content_type",
    "auth_permission",
    "auth_group",
    "auth_group_permissions",
    "issues_category",
    "issues_issuepolicy",
    "party_servicepost",
}


def project_tables() -> list[str]:
    """The tables --reset empties: every table of the project's models except KEEP_TABLES."""
    from django.apps import apps

    names = set()
    for model in apps.get_models(include_auto_created=True):
        if model._meta.managed and not model._meta.proxy:
            names.add(model._meta.db_table)
    existing = set(connection.introspection.table_names())
    return sorted((names & existing) - KEEP_TABLES)


def with_overrides(base: Sizes, **options) -> Sizes:
    return replace(base, **{k: v for k, v in options.items() if v is not None})
