"""The demo's issue loop: a year of issues filed by the demo residents of every compound, taken
through the services with ``now=`` set to when each step happened, so deadlines, routing, the
timeline, escalations, extensions, returns, reopenings, merges, cancellations, department
summonses and ratings are what the loop itself wrote. The last fortnight leaves issues in every
open state (a few overdue today) so queues, escalation and the figures show something.

Deterministic (a fixed random seed, times relative to the moment of seeding) and idempotent: the
department responders are granted (a no-op the second time), and the issues are filed only if the
demo compounds have none yet.
"""

import io
import random
from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from compounds import demo as compounds_demo
from compounds.models import Compound, Department, Residency, ResidencyStatus, RoleAssignment
from compounds.services import role_grant
from governance.accounts.models import Notification
from governance.accounts.roles import Role

from . import services
from .models import Category, HandlerKind, Issue, IssueEvent, IssueKind, Level, Rating
from .states import State

SEED = 20261124
# (username, display name, phone, department name)
RESPONDERS = [
    ("chengguan", "马志刚（区城管执法局）", "13900000201", "区城市管理执法局"),
    ("zhifadui", "何静（学院街道执法队）", "13900000202", "学院街道综合执法队"),
]
# category code → weight (how often residents file it): the sources' most common complaints.
CATEGORY_WEIGHTS = {
    "parking": 16,
    "sanitation": 14,
    "elevator": 9,
    "drainage": 7,
    "charging": 11,
    "noise": 9,
    "illegal-construction": 7,
    "property-service": 9,
    "common-repairs": 8,
}
COMMON_AREAS = [
    "北门", "南门岗亭", "地下车库", "小区主干道", "中心花园", "垃圾分类亭", "非机动车棚", "健身广场",
    "东侧围墙", "消防通道", "儿童游乐区", "快递柜旁",
]
DESCRIPTIONS = {
    "parking": [
        "消防通道上长期停着一辆白色轿车，晚上救护车都进不来。",
        "外来车辆随意进出，业主晚上回来找不到车位。",
        "地下车库出口有人把车横着停，堵住了半条车道。",
        "楼下人行道被私家车占满，老人推轮椅只能走机动车道。",
        "有人用地锁和石墩占公共车位，物业说管不了。",
        "车库坡道照明坏了，晚上进出很容易剐蹭。",
        "僵尸车停在楼下快一年了，轮胎都瘪了，落满灰。",
        "门口道闸经常失灵，早高峰排队排到马路上。",
        "收费标准没有公示，临时停车被多收了钱。",
        "电动车和汽车混停在消防通道，存在安全隐患。",
        "新划的车位太窄，车门都打不开。",
        "夜里有货车停在小区门口卸货，堵住出入口。",
    ],
    "sanitation": [
        "垃圾分类亭三天没清运，味道很大，招了很多苍蝇。",
        "楼道里堆满了纸箱和旧家具，已经好几个月了。",
        "有人从楼上往下扔垃圾，楼下草坪全是塑料袋。",
        "化粪池冒出来了，单元门口污水横流。",
        "楼道很久没人打扫，扶手上一层灰。",
        "装修垃圾堆在绿化带里，没人来清理。",
        "小区里流浪猫狗多，粪便没人清理。",
        "垃圾桶破损漏水，夏天气味难闻。",
        "厨余垃圾桶没有盖子，老鼠很多。",
        "下雨后路面积满淤泥，一直没有冲洗。",
        "有人在公共区域晾晒腌菜，占了过道。",
        "大件垃圾堆放点满了，周边又被乱扔。",
    ],
    "elevator": [
        "电梯经常停在半层，开门要迈一大步，老人很害怕。",
        "电梯运行时有异响，晃得厉害，请尽快检修。",
        "电梯按钮失灵，按了好几次都不亮。",
        "电梯停运两天了，家里有八十多岁的老人下不了楼。",
        "电梯年检合格证过期了，还在继续使用。",
        "电梯门关的时候夹到了小孩，感应好像不灵。",
        "电梯里的应急电话打不通。",
        "电梯轿厢灯不亮，晚上黑漆漆的。",
        "电梯到楼层不开门，要反复按开门键。",
        "电梯里的通风扇坏了，夏天闷热。",
    ],
    "drainage": [
        "一楼下水道反水，厨房地漏往外冒污水。",
        "雨水井堵了，下雨后楼前积水没过脚踝。",
        "主排水管堵塞，整个单元卫生间下水都很慢。",
        "井盖破损塌陷，晚上有人差点踩空。",
        "地下车库渗水严重，墙上都长霉了。",
        "化粪池满溢，污水流到路面上。",
        "楼顶排水口被落叶堵住，雨水倒灌进顶楼住户家。",
        "外墙排水管断裂，雨天水直接冲到一楼窗台。",
        "路边排水沟淤塞，散发臭味。",
        "单元门口的下水口被水泥封住了。",
    ],
    "charging": [
        "有人从楼上拉电线下来给电动车充电，很危险。",
        "楼道里停着电动车在充电，堵住了疏散通道。",
        "充电桩坏了一半，排队充电要等到半夜。",
        "有人把电瓶搬回家充电，邻居很担心起火。",
        "小区充电桩太少，希望再装一些。",
        "充电棚的顶棚漏雨，插座被淋湿了。",
        "充电桩扫码付款后不通电，钱也不退。",
        "电动车推进电梯上楼，多次劝说无效。",
        "飞线充电的线挂在树上，刮风时晃来晃去。",
        "非机动车棚里私拉乱接的插排很多。",
    ],
    "noise": [
        "楼上每天晚上十一点后还在装修敲墙。",
        "广场舞音响声音太大，晚上九点半以后还在跳。",
        "楼下餐馆的排风机半夜一直响，睡不着觉。",
        "邻居家的狗整夜叫，沟通过几次没有改善。",
        "周末一大早就有人在楼下切割钢材。",
        "小区门口商户用高音喇叭招揽生意。",
        "楼上孩子在家跳绳拍球，一直到深夜。",
        "水泵房的噪音很大，靠近的几户都受影响。",
        "夜间有车辆在小区里鸣笛。",
        "空调外机噪音和震动都很大，影响休息。",
    ],
    "illegal-construction": [
        "一楼住户把院子围起来搭了彩钢棚。",
        "顶楼有人在屋顶上加盖了一间房。",
        "有住户占用绿化带种菜，还砌了围墙。",
        "楼道公共部位被封起来当储物间。",
        "有人把阳台往外扩建，已经超出外墙线。",
        "地下室被改成出租屋，住了好几户人。",
        "有人在楼下空地搭了违建车棚收费。",
        "住户拆了承重墙在装修，楼上出现裂缝。",
        "一楼商户私自开门面，占用了人行道。",
        "小区围墙边搭了简易房，堆放废品。",
    ],
    "property-service": [
        "物业费公示不清楚，希望公开收支明细。",
        "物业保安经常不在岗，外人随便进出。",
        "维修资金使用情况一直没有公示。",
        "物业客服电话总是没人接。",
        "报修后物业迟迟不上门，拖了一个多星期。",
        "小区公共收益（广告、停车）去向不明。",
        "物业人员态度差，业主反映问题被推诿。",
        "绿化养护不到位，草坪大片枯死。",
        "门禁系统坏了一个月没修。",
        "希望业委会和物业一起开一次业主恳谈会。",
    ],
    "common-repairs": [
        "单元门的闭门器坏了，门一直关不上。",
        "楼道声控灯不亮，晚上上下楼很黑。",
        "楼顶防水层老化，顶楼天花板漏水。",
        "小区路面破损，坑洼很多，容易绊倒老人。",
        "楼道窗户玻璃碎了，风雨都进来。",
        "健身器材的螺丝松了，孩子玩的时候晃动。",
        "单元门口的台阶塌了一块。",
        "外墙瓷砖脱落，楼下行人有危险。",
        "楼道扶手松动，老人上下楼不敢扶。",
        "路灯坏了好几盏，晚上小区里很暗。",
    ],
}
ASKS = [
    "", "", "请尽快处理。", "麻烦派人来看看。", "希望能早点解决，谢谢。", "已经反映过一次了，还没有处理。",
    "家里有老人小孩，比较着急。", "请帮忙协调一下。",
]
RESOLUTION_NOTES = {
    "parking": ["已联系车主挪车，并在消防通道加装了禁停标识。", "已清理占道地锁，车位恢复公共使用。", "道闸已维修，并安排保安高峰时段疏导。"],
    "sanitation": ["已安排保洁清运，并调整为每日清运。", "楼道杂物已清理，已在单元内张贴通知。", "已清掏化粪池并消毒。"],
    "elevator": ["维保单位已到场检修，更换了门机控制板，运行正常。", "已调整平层精度并完成安全测试。", "已联系维保单位，更换了应急电话模块。"],
    "drainage": ["已疏通排水主管，并清理了雨水井。", "井盖已更换，周边设置了警示标识。", "已修补渗漏点，车库不再渗水。"],
    "charging": ["已劝导住户拆除飞线，并引导到充电棚充电。", "已联系运营商修复充电桩，新增 10 个充电口。", "已清理楼道电动车，并在单元门口张贴安全提示。"],
    "noise": ["已上门沟通，住户承诺晚十点后停止施工。", "已与广场舞队协商，音量降低、九点前结束。", "已联系商户调整排风机运行时间。"],
    "illegal-construction": ["执法队已现场核查，违建已拆除。", "已下达限期整改通知，住户已自行拆除。", "已恢复绿化带原状。"],
    "property-service": ["已在公告栏公示物业费收支明细。", "已约谈物业项目经理，调整保安排班。", "业委会已组织恳谈会，形成整改清单。"],
    "common-repairs": ["已更换闭门器和声控灯。", "已完成屋面防水修补。", "已修补路面坑洼。"],
}
SATISFIED_COMMENTS = ["处理很及时，谢谢！", "师傅很负责。", "", "", "满意，辛苦了。"]
BASIC_COMMENTS = ["基本解决了，希望以后多巡查。", "处理得有点慢。", ""]
DISSATISFIED_COMMENTS = ["问题还在，只是暂时处理了一下。", "拖了太久才来。", "没有根本解决。"]
REOPEN_REASONS = ["过了两天问题又出现了。", "只处理了一半，还有一处没弄。", "下雨后又堵了。"]
RETURN_REASONS = ["不属于物业服务范围，请转社区协调。", "需要业委会表决，物业无权处理。", "这个位置不在我的责任区。"]
EXTENSION_REASONS = ["需要等配件到货。", "需要业主大会表决后才能施工。", "需要协调多户住户，时间较长。"]
SUMMONS_REASONS = {
    "illegal-construction": "违建须执法部门认定并依法处置，请派员现场核查。",
    "noise": "多次劝导无效，请执法队依法处理。",
    "parking": "占用消防通道，请执法部门协助清理。",
}


def _photo(code: str) -> SimpleUploadedFile:
    """A small generated JPEG (a coloured gradient): the demo shows where photos go."""
    hue = sum(code.encode()) % 256
    image = Image.linear_gradient("L").resize((320, 240)).convert("RGB")
    image = Image.merge("RGB", (image.getchannel(0), image.getchannel(1).point(lambda v: (v + hue) % 256),
                                image.getchannel(2).point(lambda v: 255 - v)))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=70)
    return SimpleUploadedFile(f"{code}.jpg", out.getvalue(), content_type="image/jpeg")


class _World:
    """Who acts: the cached users behind each role and place, so scopes load once per person."""

    def __init__(self, now):
        self.now = now
        self._users: dict = {}
        self._first: dict = {}

    def _cache(self, user):
        return self._users.setdefault(user.pk, user)

    def first(self, role: str, **scope):
        key = (role, tuple(sorted(scope.items())))
        if key not in self._first:
            row = RoleAssignment.objects.filter(role=role, ended_at__isnull=True, **scope).select_related("user").order_by("pk").first()
            self._first[key] = self._cache(row.user) if row else None
        return self._first[key]

    def handler(self, issue: Issue):
        kind = issue.handler_kind
        if kind == HandlerKind.MEMBER:
            return self._cache(issue.handler_member.user)
        role, scope = {
            HandlerKind.PROPERTY: (Role.PROPERTY_STAFF, {"compound_id": issue.compound_id}),
            HandlerKind.COMMITTEE: (Role.COMMITTEE_MEMBER, {"compound_id": issue.compound_id}),
            HandlerKind.BRANCH: (Role.BRANCH_SECRETARY, {"compound_id": issue.compound_id}),
            HandlerKind.COMMUNITY: (Role.COMMUNITY_OFFICER, {"community_id": issue.community_id}),
            HandlerKind.SUBDISTRICT: (Role.SUBDISTRICT_ADMIN, {"subdistrict_id": issue.subdistrict_id}),
            HandlerKind.DEPARTMENT: (Role.DEPARTMENT_RESPONDER, {"department_id": issue.handler_department_id}),
        }[kind]
        return self.first(role, **scope)

    def dispatcher(self, issue: Issue):
        if issue.level == Level.BRANCH and issue.branch_id:
            secretary = self.first(Role.BRANCH_SECRETARY, compound_id=issue.compound_id)
            if secretary is not None:
                return secretary
        return self.first(Role.COMMUNITY_OFFICER, community_id=issue.community_id)

    def summoner(self, issue: Issue):
        return self.first(Role.SUBDISTRICT_ADMIN, subdistrict_id=issue.subdistrict_id)


def _residents(compound) -> list:
    """(user, household) of the verified residents of a compound, the named residents first."""
    rows = (
        Residency.objects.filter(household__building__compound=compound, status=ResidencyStatus.VERIFIED)
        .select_related("user", "household__building")
        .order_by("user__username")
    )
    people = [(r.user, r.household) for r in rows]
    named = [p for p in people if p[0].username in ("resident", "neighbour")]
    return named + [p for p in people if p not in named]


def responders_seed() -> list:
    users = []
    for username, name, phone, department_name in RESPONDERS:
        user, _created = compounds_demo._user(username, name, phone)
        department = Department.objects.get(name=department_name)
        role_grant(user=user, role=Role.DEPARTMENT_RESPONDER, scope=department)
        users.append(user)
    return users


class _Loop:
    """Takes one issue through its life; ``at`` moves forward from the filing time."""

    def __init__(self, world: _World, rng: random.Random, categories: dict, departments: dict):
        self.now = world.now
        self.w = world
        self.rng = rng
        self.categories = categories
        self.departments = departments

    def file(self, compound, people, code, at, *, reporter=None, where=None, photo=False):
        rng = self.rng
        category = self.categories[code]
        user, household = reporter or rng.choice(people)
        where = where or rng.choices(["household", "building", "area"], weights=[4, 3, 3])[0]
        if code in ("charging", "noise", "illegal-construction") and where == "household":
            where = "building"
        kwargs = {}
        if where == "household":
            kwargs["household"] = household
        elif where == "building":
            kwargs["building"] = household.building
        else:
            kwargs["common_area"] = rng.choice(COMMON_AREAS)
        description = rng.choice(DESCRIPTIONS[code]) + rng.choice(ASKS)
        kind = IssueKind.COMPLAINT if code in ("noise", "property-service") and rng.random() < 0.5 else IssueKind.SNAPSHOT
        if code == "property-service" and rng.random() < 0.3:
            kind = IssueKind.SUGGESTION
        issue = services.issue_file(
            actor=user, compound=compound, category=category, description=description, kind=kind,
            anonymous=rng.random() < 0.15, now=at, photos=[_photo(code)] if photo else (), **kwargs,
        )
        issue._demo_reporter = user
        return issue

    def dispatch_if_needed(self, issue, at, *, to=None):
        """A submitted, returned or escalated issue is dispatched by whoever dispatches it now."""
        if issue.state not in (State.SUBMITTED, State.RETURNED, State.ESCALATED):
            return at
        actor = self.w.dispatcher(issue)
        targets = services.dispatch_targets(issue)
        member = None
        if to is None:
            if issue.handler_kind in (HandlerKind.PROPERTY, HandlerKind.COMMITTEE, HandlerKind.MEMBER) and issue.state == State.ESCALATED:
                to = issue.handler_kind
                member = issue.handler_member
            elif targets["members"] and issue.state != State.RETURNED:
                to, member = HandlerKind.MEMBER, self.rng.choice(targets["members"])
            else:
                to = HandlerKind.COMMUNITY
        if to == HandlerKind.MEMBER and member is None:
            if not targets["members"]:
                to = HandlerKind.COMMUNITY
            else:
                member = self.rng.choice(targets["members"])
        if to == HandlerKind.MEMBER and member.pk not in {m.pk for m in targets["members"]}:
            to, member = HandlerKind.COMMUNITY, None
        if to == HandlerKind.PROPERTY and targets["company"] is None:
            to = HandlerKind.COMMUNITY
        if to == HandlerKind.COMMITTEE and targets["committee"] is None:
            to = HandlerKind.COMMUNITY
        at += timedelta(minutes=self.rng.randrange(20, 240))
        services.issue_dispatch(actor=actor, issue=issue, to=to, member=member if to == HandlerKind.MEMBER else None,
                                note="请及时联系居民处理。", now=at)
        return at

    def acknowledge(self, issue, at, *, late=False):
        hours = issue.category.response_hours
        due = issue.response_due
        if late:
            at = max(at, due) + timedelta(minutes=self.rng.randrange(10, 60 * max(1, hours // 2)))
        else:
            at = min(at + timedelta(minutes=self.rng.randrange(5, max(10, int(hours * 60 * 0.8)))), due - timedelta(minutes=1))
        at = self.before_now(issue, at)
        services.issue_acknowledge(actor=self.w.handler(issue), issue=issue, now=at)
        return at

    def resolve(self, issue, at, *, late=False):
        if late:
            # Past the deadline: the escalation job caught it first, the holder still finishes.
            at = max(at, issue.resolution_due) + timedelta(minutes=30)
            services.issues_escalate_overdue(now=at)
            issue.refresh_from_db()
            at += timedelta(hours=self.rng.randrange(2, 30))
        else:
            span = max(30, min(6 * 24 * 60, int((issue.resolution_due - at).total_seconds() // 60 * 0.8)))
            at += timedelta(minutes=self.rng.randrange(min(20, span - 1), span))
        note = self.rng.choice(RESOLUTION_NOTES[issue.category.code])
        at = self.before_now(issue, at)
        services.issue_resolve(actor=issue.holder, issue=issue, note=note, now=at)
        return at

    def before_now(self, issue, at):
        """The moments of the last days stay in the past: squeeze them between the last step and now."""
        if at <= self.now - timedelta(minutes=5):
            return at
        last = max(t for t in (issue.created_at, issue.dispatched_at, issue.acknowledged_at, issue.resolved_at,
                               issue.escalated_at) if t is not None)
        return last + (self.now - last) * self.rng.uniform(0.3, 0.8)

    def rate(self, issue, at, quality):
        rng = self.rng
        at = self.before_now(issue, at + timedelta(hours=rng.randrange(2, 100)))
        roll = rng.random()
        if roll < 0.76 - quality:
            rating, comment = Rating.SATISFIED, rng.choice(SATISFIED_COMMENTS)
        elif roll < 0.97 - quality / 3:
            rating, comment = Rating.BASIC, rng.choice(BASIC_COMMENTS)
        else:
            rating, comment = Rating.DISSATISFIED, rng.choice(DISSATISFIED_COMMENTS)
        services.issue_rate(actor=issue._demo_reporter, issue=issue, rating=rating, comment=comment, now=at)
        return at

    def work(self, issue, at, quality, *, finish=True, late_ack=False, late_fix=False):
        """Dispatch if needed, acknowledge, resolve (and optionally leave it there)."""
        at = self.dispatch_if_needed(issue, at)
        at = self.acknowledge(issue, at, late=late_ack)
        issue.holder = self.w.handler(issue)
        if not finish:
            return at
        return self.resolve(issue, at, late=late_fix)

    def extension(self, issue, new_due, at):
        ext = services.extension_request(
            actor=issue.holder, issue=issue, new_due=new_due, reason=self.rng.choice(EXTENSION_REASONS), now=at
        )
        return ext

    def summon(self, issue, at, department_name):
        at += timedelta(hours=self.rng.randrange(4, 30))
        services.issue_summon(
            actor=self.w.summoner(issue), issue=issue, department=self.departments[department_name],
            reason=SUMMONS_REASONS.get(issue.category.code, "请职能部门协助处置。"), now=at,
        )
        return at

    def history(self, issue, at, quality, fate):
        """A finished life (filed more than a fortnight ago)."""
        rng = self.rng
        if fate == "cancel":
            services.issue_cancel(actor=issue._demo_reporter, issue=issue, reason="已经自行解决了。",
                                  now=at + timedelta(minutes=rng.randrange(30, 600)))
            return
        if fate == "escalate":
            at = max(at, issue.response_due) + timedelta(minutes=rng.randrange(5, 50))
            if issue.state == State.SUBMITTED:
                at = self.dispatch_if_needed(issue, issue.created_at + timedelta(minutes=30))
                at = max(at, issue.response_due) + timedelta(minutes=rng.randrange(5, 50))
            services.issues_escalate_overdue(now=at)
            issue.refresh_from_db()
            at = self.work(issue, at, quality)
            self.rate(issue, at, quality)
            return
        if fate == "return":
            at = self.dispatch_if_needed(issue, at)
            at += timedelta(minutes=rng.randrange(30, 300))
            services.issue_return(actor=self.w.handler(issue), issue=issue, reason=rng.choice(RETURN_REASONS), now=min(at, issue.response_due))
            at = min(at, issue.response_due)
            at = self.work(issue, at, quality)
            self.rate(issue, at, quality)
            return
        if fate == "summon":
            at = self.work(issue, at, quality, finish=False)
            name = RESPONDERS[0][3] if issue.category.code != "noise" or issue.subdistrict.code != "XL-XY" else RESPONDERS[1][3]
            at = self.summon(issue, at, name)
            at = self.work(issue, at, quality, late_ack=rng.random() < 0.2)
            self.rate(issue, at, quality)
            return
        if fate == "extension":
            at = self.work(issue, at, quality, finish=False)
            at += timedelta(hours=rng.randrange(2, 24))
            if at >= issue.resolution_due:
                at = issue.resolution_due - timedelta(minutes=30)
            ext = self.extension(issue, issue.resolution_due + timedelta(days=rng.randrange(3, 12)), at)
            at += timedelta(minutes=rng.randrange(30, 300))
            approve = rng.random() < 0.8
            services.extension_decide(actor=self.w.dispatcher(issue), extension=ext, approve=approve,
                                      note="同意延期，请按新期限办结。" if approve else "请按原期限办结。", now=at)
            issue.refresh_from_db()
            issue.holder = self.w.handler(issue)
            at = self.resolve(issue, at)
            self.rate(issue, at, quality)
            return
        late_ack = fate == "late_ack"
        at = self.work(issue, at, quality, late_ack=late_ack, late_fix=fate == "late_fix")
        if fate == "reopen":
            at += timedelta(hours=rng.randrange(6, 96))
            services.issue_reopen(actor=issue._demo_reporter, issue=issue, reason=rng.choice(REOPEN_REASONS), now=at)
            at = self.work(issue, at, quality)
            self.rate(issue, at, quality)
        elif fate == "unrated":
            services.issues_close_unrated(now=at + timedelta(days=8))
        else:
            self.rate(issue, at, quality)


HISTORY_FATES = ["closed"] * 62 + ["late_ack"] * 9 + ["late_fix"] * 4 + ["unrated"] * 8 + ["reopen"] * 5 + [
    "return"] * 4 + ["escalate"] * 4 + ["extension"] * 3 + ["cancel"] * 3


def seed(stdout=None, now=None) -> dict:
    say = stdout.write if stdout else (lambda s: None)
    now = (now or timezone.now()).replace(second=0, microsecond=0)
    codes = [c[0] for c in compounds_demo.COMPOUNDS]
    with transaction.atomic():
        responders_seed()
        compounds = list(Compound.objects.filter(code__in=codes).select_related("community__subdistrict").order_by("code"))
        if not Issue.objects.filter(compound__in=compounds).exists():
            last_note = Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
            _seed_issues(compounds, now)
            _date_notifications(last_note)
    counts = {
        "issues": Issue.objects.filter(compound__in=compounds).count(),
        "open": Issue.objects.filter(compound__in=compounds, state__in=services.OPEN_STATES).count(),
    }
    say(f"Demo issues: {counts}")
    return counts


def _date_notifications(after_pk: int) -> None:
    """The seed's notifications were written at the wall clock: date each at its issue's last
    event, and mark those of finished issues read (a year of history is not news)."""
    last = dict(IssueEvent.objects.order_by().values("issue").annotate(at=Max("at")).values_list("issue", "at"))
    states = dict(Issue.objects.filter(pk__in=last).values_list("pk", "state"))
    for issue_id, at in last.items():
        finished = states[issue_id] not in services.OPEN_STATES
        Notification.objects.filter(pk__gt=after_pk, url=reverse("issues:detail", args=[issue_id])).update(
            created_at=at, read_at=at if finished else None
        )


def _seed_issues(compounds, now) -> None:
    rng = random.Random(SEED)
    world = _World(now)
    categories = {c.code: c for c in Category.objects.filter(code__in=CATEGORY_WEIGHTS)}
    departments = {d.name: d for d in Department.objects.filter(name__in=[r[3] for r in RESPONDERS])}
    loop = _Loop(world, rng, categories, departments)
    people = {c.pk: _residents(c) for c in compounds}
    by_code = {c.code: c for c in compounds}
    codes, weights = list(CATEGORY_WEIGHTS), list(CATEGORY_WEIGHTS.values())
    quality = {c.pk: rng.uniform(0.0, 0.22) for c in compounds}

    # The year behind us: filed 16–365 days ago, every life finished.
    plans = []
    for compound in compounds:
        for _n in range(rng.randrange(24, 40)):
            plans.append((now - timedelta(days=rng.uniform(16, 365)), compound))
    plans.sort(key=lambda p: p[0])
    for when, compound in plans:
        at = when.replace(hour=rng.randrange(7, 22), minute=rng.randrange(60))
        code = rng.choices(codes, weights)[0]
        fate = rng.choice(HISTORY_FATES)
        if quality[compound.pk] > 0.15 and fate == "closed" and rng.random() < 0.3:
            fate = rng.choice(["late_ack", "reopen", "unrated"])
        if code in ("illegal-construction", "noise") and rng.random() < 0.3:
            fate = "summon"
        if fate == "summon" and issue_subdistrict_code(compound) != "XL-XY" and code == "noise":
            fate = "closed"
        if fate == "late_fix" and categories[code].resolution_hours > 7 * 24:
            fate = "late_ack"
        age = (now - at).days
        if age < 40 and fate not in ("closed", "late_ack", "cancel") or age < 30 and fate == "unrated":
            fate = "closed"
        issue = loop.file(compound, people[compound.pk], code, at)
        if rng.random() < 0.03 and issue.state in (State.DISPATCHED, State.SUBMITTED):
            # A neighbour files the same thing an hour later; the dispatcher merges it.
            others = [p for p in people[compound.pk] if p[0].pk != issue.reporter_id]
            dup = loop.file(compound, people[compound.pk], code, at + timedelta(minutes=rng.randrange(20, 90)),
                            reporter=rng.choice(others), where="area")
            services.issue_merge(actor=world.dispatcher(dup), issue=dup, into=issue, note="与先前的诉求重复，已合并。",
                                 now=dup.created_at + timedelta(minutes=rng.randrange(10, 120)))
        loop.history(issue, at, quality[compound.pk], fate)

    # The last fortnight: one issue in every open state, in several compounds, for the queues.
    _recent(loop, by_code, people, now)


def issue_subdistrict_code(compound) -> str:
    return compound.community.subdistrict.code


def _recent(loop: _Loop, by_code, people, now) -> None:
    rng = loop.rng
    jgsy = by_code["JGSY"]
    resident = next(p for p in people[jgsy.pk] if p[0].username == "resident")
    neighbour = next(p for p in people[jgsy.pk] if p[0].username == "neighbour")

    def ago(hours):
        return now - timedelta(hours=hours)

    # The named resident: one closed, one waiting for her rating, one being worked on, one routed
    # to her zone member (dangyuan).
    issue = loop.file(jgsy, None, "sanitation", ago(24 * 12), reporter=resident, where="building")
    loop.rate(issue, loop.work(issue, ago(24 * 12), 0.0), 0.0)
    issue = loop.file(jgsy, None, "common-repairs", ago(24 * 4), reporter=resident, where="household")
    loop.work(issue, ago(24 * 4), 0.0)
    issue = loop.file(jgsy, None, "elevator", ago(3), reporter=resident, where="building", photo=True)
    loop.work(issue, ago(3), 0.0, finish=False)
    loop.file(jgsy, None, "charging", ago(5), reporter=resident, where="building")
    loop.file(jgsy, None, "noise", ago(2), reporter=neighbour, where="area")  # submitted: the branch dispatches

    scenarios = [
        # (compound, category, hours ago, what happens); escalations first (the job runs for all).
        ("YMZ", "sanitation", 24 * 7, "escalated_twice"),
        ("GZB", "parking", 24 * 5, "escalated"), ("SLSL", "sanitation", 24 * 6, "escalated"),
        ("THL", "parking", 24 * 4, "escalated"), ("BJHY", "drainage", 24 * 3, "escalated"),
        ("DW", "parking", 30, "resolved"), ("SD", "sanitation", 60, "resolved"), ("AJ", "common-repairs", 50, "resolved"),
        ("THL", "drainage", 2, "in_progress"), ("YMZ", "property-service", 20, "in_progress"),
        ("JGHY", "parking", 10, "in_progress"), ("BJHY", "sanitation", 6, "dispatched"),
        ("SD", "parking", 3, "dispatched"), ("QHL", "common-repairs", 8, "dispatched"),
        ("DW", "charging", 4, "submitted"), ("GZB", "noise", 7, "submitted"),
        ("AJ", "parking", 26, "returned"), ("THL", "common-repairs", 40, "returned"),
        ("DW", "drainage", 24 * 4, "reopened"), ("JGHY", "sanitation", 24 * 6, "reopened"),
        ("JGSY", "illegal-construction", 24 * 3, "summoned"), ("AJ", "illegal-construction", 24 * 5, "summon_working"),
        ("YMZ", "noise", 24 * 2, "summoned"),
        ("BJHY", "common-repairs", 24 * 3, "extension"),
        ("DW", "sanitation", 24 * 3, "cancel"), ("SD", "common-repairs", 24 * 2, "merge"),
        # Overdue today, not yet escalated (the escalation job picks them up).
        ("TLB", "sanitation", 24 * 2, "overdue"), ("QHL", "parking", 30, "overdue"), ("JGHY", "drainage", 9, "overdue"),
        ("AJ", "sanitation", 24 * 9, "overdue_fix"),
    ]
    for code, category, hours, what in scenarios:
        compound = by_code[code]
        at = ago(hours)
        if what == "submitted":
            loop.file(compound, people[compound.pk], category, at, where="area")
            continue
        issue = loop.file(compound, people[compound.pk], category, at, photo=what in ("resolved", "summoned", "overdue"))
        if what == "resolved":
            loop.work(issue, at, 0.0)
        elif what == "in_progress":
            loop.work(issue, at, 0.0, finish=False)
        elif what == "dispatched":
            loop.dispatch_if_needed(issue, at)
        elif what == "returned":
            at = loop.dispatch_if_needed(issue, at)
            services.issue_return(actor=loop.w.handler(issue), issue=issue, reason=rng.choice(RETURN_REASONS),
                                  now=min(at + timedelta(hours=1), issue.response_due, now))
        elif what == "reopened":
            at = loop.work(issue, at, 0.0)
            services.issue_reopen(actor=issue._demo_reporter, issue=issue, reason=rng.choice(REOPEN_REASONS),
                                  now=min(at + timedelta(hours=12), now - timedelta(hours=1)))
        elif what == "escalated":
            loop.dispatch_if_needed(issue, at)
            services.issues_escalate_overdue(now=issue.response_due + timedelta(minutes=15))
        elif what == "escalated_twice":  # nobody acted at the community either: the subdistrict's turn
            loop.dispatch_if_needed(issue, at)
            services.issues_escalate_overdue(now=issue.response_due + timedelta(minutes=15))
            issue.refresh_from_db()
            services.issues_escalate_overdue(now=issue.escalation_due + timedelta(minutes=15))
        elif what in ("summoned", "summon_working"):
            at = loop.work(issue, at, 0.0, finish=False)
            name = RESPONDERS[1][3] if category == "noise" else RESPONDERS[0][3]
            at = loop.summon(issue, at, name)
            if what == "summon_working":
                loop.work(issue, at, 0.0, finish=False)
        elif what == "extension":
            at = loop.work(issue, at, 0.0, finish=False)
            loop.extension(issue, issue.resolution_due + timedelta(days=5), loop.before_now(issue, at + timedelta(hours=3)))
        elif what == "cancel":
            services.issue_cancel(actor=issue._demo_reporter, issue=issue, reason="已经和邻居协商解决了。", now=at + timedelta(hours=2))
        elif what == "merge":
            earlier = loop.file(compound, people[compound.pk], category, at - timedelta(hours=5))
            services.issue_merge(actor=loop.w.dispatcher(issue), issue=issue, into=earlier, note="与先前的诉求重复，已合并。",
                                 now=at + timedelta(hours=1))
        elif what == "overdue_fix":
            loop.work(issue, at, 0.0, finish=False)  # acknowledged, resolution deadline passed


def accounts_table() -> list[tuple[str, str, str]]:
    return [(u, n, f"Department responder, {d}") for u, n, _p, d in RESPONDERS]
