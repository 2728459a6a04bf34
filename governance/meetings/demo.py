"""The demo's joint meetings: a monthly series per compound (convened by its branch secretary, or
by the community officer where there is no branch) with a year of meetings behind it, taken
through the services: invitations answered, agendas linking the compound's real issues (those
open at the time, overdue ones first) and the earlier meetings' open action items, sign-ins,
minutes, decisions that became action items, the meeting closed; then the action items done on
time, done late, dropped at a review, left open, and one left overdue. A meeting here and there
was cancelled. The next meeting of every series is already scheduled; 江工塑院小区's has an agenda
from the suggestions and replies, and a branch pre-deliberation (先议) is coming up too.

Where a service has no ``now=`` (series and meetings are created by ``meetings_generate`` with an
old ``today=``; an action item's ``created_at``; the notifications of assignments), the rows are
back-dated right after with ``queryset.update`` — each place is marked "demo back-dating".

Deterministic (a fixed random seed, times relative to the moment of seeding) and idempotent: if
the demo compounds have a meeting series already, nothing is written.
"""

import random
from datetime import datetime, time, timedelta

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from committees.models import ContractStatus, PropertyContract
from compounds import demo as compounds_demo
from compounds.models import Compound, Department, RoleAssignment
from governance.accounts.models import Notification
from governance.accounts.roles import Role
from governance.issues.models import Issue

from . import notifications as kinds
from . import services
from .models import (
    ActionItem,
    ActionStatus,
    Invitation,
    ItemSource,
    Meeting,
    MeetingKind,
    MeetingSeries,
    MeetingStatus,
    Organisation,
    Reply,
)

SEED = 20261125
MONTHS = 12
# (weekday 0 Monday, week of the month, time, place) per compound code; others: second Tuesday.
SCHEDULES = {
    "JGSY": (1, 2, time(19, 30), "江工塑院小区红色驿站"),
    "DW": (2, 1, time(19, 0), "东湾社区党群服务中心二楼会议室"),
    "THL": (3, 3, time(19, 30), "桃花岭小区物业服务中心"),
    "SD": (1, -1, time(15, 0), "上东社区会议室"),
    "YMZ": (4, 2, time(19, 30), "夜明珠小区党群活动室"),
}
DEFAULT_SCHEDULE = (1, 2, time(19, 30), "小区党群服务站")
TOPICS = [
    ("物业费收支情况季度公示", "物业公司在公告栏和线上同时公示本季度物业费收支明细。"),
    ("地下车库照明和消防设施检查", "物业公司牵头完成车库照明更换和消防设施检查，结果在群内通报。"),
    ("电动车集中充电棚扩建", "业委会征求住户意见，物业公司提交扩建方案和报价。"),
    ("垃圾分类督导员排班", "支部组织党员志愿者在投放高峰时段轮流值守分类亭。"),
    ("消防通道清理专项行动", "物业公司联合社区开展一次消防通道清理，对占道车辆逐一劝离。"),
    ("住宅专项维修资金使用申请", "业委会按程序组织业主表决，社区全程指导。"),
    ("老旧小区改造意见征集", "支部和业委会分楼栋入户征集意见，汇总后报社区。"),
    ("中秋邻里节活动筹备", "支部牵头，业委会和物业公司共同筹办，党员志愿者负责布置。"),
    ("二次供水水箱清洗", "物业公司联系专业单位清洗水箱，提前三天通知住户。"),
    ("楼道杂物和飞线充电排查", "楼栋长带领志愿者逐栋排查，物业公司负责清理。"),
    ("绿化补植和修剪", "物业公司制定补植计划，业委会监督验收。"),
    ("门禁系统升级", "物业公司提交升级方案，业委会征求住户意见后决定。"),
]
ISSUE_DECISIONS = [
    "物业公司限期处理，处理结果向诉求人反馈并在群内通报。",
    "社区协调相关部门到现场查看，拿出处理方案。",
    "业委会牵头和物业公司、住户三方协商，形成书面处理意见。",
    "支部安排党员责任区负责人跟进，每周通报进展。",
]
DONE_NOTES = [
    "已按会议决定完成，并在公告栏公示。",
    "已处理完毕，住户反馈满意。",
    "已落实，相关照片已上传业主群。",
    "已完成，经业委会现场验收。",
]
DECLINE_REASONS = ["出差在外，无法参加。", "当晚值班，请假一次。", "家中有事，会后看纪要。"]
POLICE = "{}派出所社区民警"
PARTNERS = ["国网宜昌供电公司", "宜昌市第一人民医院", "三峡大学", "宜昌市税务局"]
ENFORCEMENT = "区城市管理执法局"
REVIEW_DECISION = "原决定未落实：改由社区牵头，重新明确期限。"


def _at(day, at) -> datetime:
    return datetime.combine(day, at, tzinfo=timezone.get_current_timezone())


class _People:
    """Who convenes and owns what in each compound, looked up once."""

    def __init__(self, compounds):
        ids = [c.pk for c in compounds]
        self.secretary = {}
        for row in (
            RoleAssignment.objects.filter(role=Role.BRANCH_SECRETARY, compound_id__in=ids, ended_at__isnull=True)
            .select_related("user").order_by("pk")
        ):
            self.secretary.setdefault(row.compound_id, row.user)
        officers = {}
        for row in (
            RoleAssignment.objects.filter(role=Role.COMMUNITY_OFFICER, community_id__in={c.community_id for c in compounds},
                                          ended_at__isnull=True)
            .select_related("user").order_by("pk")
        ):
            officers.setdefault(row.community_id, row.user)
        # One object per person: its scopes are loaded once for all its service calls.
        users = {u.pk: u for u in [*self.secretary.values(), *officers.values()]}
        self.secretary = {k: users[u.pk] for k, u in self.secretary.items()}
        self.convenor = {c.pk: self.secretary.get(c.pk) or users[officers[c.community_id].pk] for c in compounds}
        self.company = dict(
            PropertyContract.objects.filter(compound_id__in=ids, status=ContractStatus.ACTIVE).values_list("compound_id", "company__name")
        )


def seed(stdout=None, now=None) -> dict:
    say = stdout.write if stdout else (lambda s: None)
    now = (now or timezone.now()).replace(second=0, microsecond=0)
    codes = [c[0] for c in compounds_demo.COMPOUNDS]
    compounds = list(Compound.objects.filter(code__in=codes).select_related("community").order_by("code"))
    if not MeetingSeries.objects.filter(compound__in=compounds).exists():
        with transaction.atomic():
            last_note = Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
            _seed(compounds, now)
            _date_notifications(last_note, now)
    meetings = Meeting.objects.filter(compound__in=compounds)
    counts = {
        "series": MeetingSeries.objects.filter(compound__in=compounds).count(),
        "meetings": meetings.count(),
        "closed": meetings.filter(status=MeetingStatus.CLOSED).count(),
        "action_items": ActionItem.objects.filter(item__meeting__compound__in=compounds).count(),
    }
    say(f"Demo joint meetings: {counts}")
    return counts


def _seed(compounds, now) -> None:
    rng = random.Random(SEED)
    today = timezone.localdate(now)
    people = _People(compounds)
    first_day = today - timedelta(days=MONTHS * 31)
    series_of = {}
    for compound in compounds:
        weekday, week, at, place = SCHEDULES.get(compound.code, DEFAULT_SCHEDULE)
        series = services.series_create(
            actor=people.convenor[compound.pk], compound=compound, title=f"{compound.name}联席会议", weekday=weekday,
            week_of_month=week, time=at, place=place, starts_on=first_day,
        )
        series_of[series.pk] = compound
    # Demo back-dating: the series were set up a year ago.
    MeetingSeries.objects.filter(pk__in=series_of).update(created_at=_at(first_day, time(10, 0)))
    # The year behind us and the next meeting of each series, as the periodic job makes them.
    services.meetings_generate(today=first_day, horizon_days=(today - first_day).days + 45, series_ids=list(series_of))
    meetings = list(
        Meeting.objects.filter(series__in=series_of)
        .select_related("compound__community__subdistrict")
        .order_by("starts_at", "compound__code")
    )
    for meeting in meetings:
        # Demo back-dating: the job created each meeting about five weeks ahead.
        meeting.created_at = min(meeting.starts_at - timedelta(days=35), now)
    Meeting.objects.bulk_update(meetings, ["created_at"])

    invitations = {}
    for invitation in Invitation.objects.filter(meeting__in=meetings).select_related("user").order_by("pk"):
        invitations.setdefault(invitation.meeting_id, []).append(invitation)
    issues = {}
    for issue in Issue.objects.filter(compound__in=compounds).select_related("category", "building").order_by("created_at"):
        issues.setdefault(issue.compound_id, []).append(issue)

    held = _History(rng, now, people, issues)
    past = [m for m in meetings if m.ends_at < now]
    upcoming = [m for m in meetings if m.ends_at >= now]
    jgsy = next(c for c in compounds if c.code == "JGSY")
    # 江工塑院小区's own story: its last meeting gives the property company an open action item,
    # the one before leaves one overdue.
    jgsy_past = [m for m in past if m.compound_id == jgsy.pk]
    held.forced = {jgsy_past[-1].pk: "open_property", jgsy_past[-3].pk: "overdue"} if len(jgsy_past) >= 3 else {}
    cancel_at = {m.pk for m in past if rng.random() < 0.06 and m.pk not in held.forced}
    for meeting in past:
        convenor = people.convenor[meeting.compound_id]
        meeting.convenor = convenor
        for invitation in invitations.get(meeting.pk, []):
            invitation.meeting = meeting
        if meeting.pk in cancel_at:
            services.meeting_cancel(actor=convenor, meeting=meeting)
            continue
        held.hold(meeting, invitations.get(meeting.pk, []))
    held.finish()

    next_of = {}
    for meeting in upcoming:
        next_of.setdefault(meeting.compound_id, meeting)
    for meeting in next_of.values():
        meeting.convenor = people.convenor[meeting.compound_id]
        _prepare(meeting, invitations.get(meeting.pk, []), rng, now)
    # A branch pre-deliberation (先议) before the committee decides on the maintenance fund.
    secretary = people.secretary.get(jgsy.pk)
    if secretary is not None:
        day = today + timedelta(days=6)
        services.meeting_schedule(
            actor=secretary, compound=jgsy, title="支部先议：住宅专项维修资金使用方案", kind=MeetingKind.PRE_DELIBERATION,
            starts_at=_at(day, time(19, 0)), ends_at=_at(day, time(20, 0)), place="江工塑院小区红色驿站",
        )


class _History:
    """Holds the past meetings in order and decides each action item's fate."""

    def __init__(self, rng, now, people, issues):
        self.rng = rng
        self.now = now
        self.today = timezone.localdate(now)
        self.people = people
        self.issues = issues
        self.forced = {}
        self.department = Department.objects.filter(name=ENFORCEMENT).first()
        self.open_actions: dict[int, list] = {}  # compound → (action item, fate) not yet reviewed away
        self.completions = []  # (action, actor, note, when)
        self.created = []
        self.overdue = []

    def _owner(self, meeting, invitations):
        """Someone at the table, or an organisation by name."""
        roll = self.rng.random()
        by_org = {}
        for invitation in invitations:
            by_org.setdefault(invitation.organisation, invitation.user)
        if roll < 0.35 and Organisation.PROPERTY_COMPANY in by_org:
            return {"owner_user": by_org[Organisation.PROPERTY_COMPANY]}
        if roll < 0.55 and Organisation.OWNERS_COMMITTEE in by_org:
            return {"owner_user": by_org[Organisation.OWNERS_COMMITTEE]}
        if roll < 0.7:
            return {"owner_user": meeting.convenor}
        if roll < 0.85 and meeting.compound_id in self.people.company:
            return {"owner_organisation": Organisation.PROPERTY_COMPANY, "owner_name": self.people.company[meeting.compound_id]}
        return {"owner_organisation": Organisation.COMMUNITY, "owner_name": meeting.compound.community.name}

    def hold(self, meeting, invitations):
        rng, start = self.rng, meeting.starts_at
        convenor = meeting.convenor
        # Replies a few days ahead; most come, a few decline, some never answer.
        coming = []
        for invitation in invitations:
            if invitation.user_id == convenor.pk:
                coming.append(invitation)
                continue
            roll = rng.random()
            when = start - timedelta(hours=rng.randrange(6, 96))
            if roll < 0.72:
                services.invitation_reply(actor=invitation.user, invitation=invitation, reply=Reply.ATTEND, now=when)
                coming.append(invitation)
            elif roll < 0.84:
                services.invitation_reply(
                    actor=invitation.user, invitation=invitation, reply=Reply.DECLINE, reason=rng.choice(DECLINE_REASONS), now=when
                )
            elif roll < 0.92:
                coming.append(invitation)  # came without replying
        # The agenda: the earlier meetings' open action items, the compound's issues open now, a topic.
        items = []
        # Still open when this meeting starts (done later, or never).
        still_open = [
            (a, f) for a, f in self.open_actions.get(meeting.compound_id, []) if a._demo_done is None or a._demo_done > start
        ]
        reviewed_away = set()
        for action, fate in still_open[:3]:
            item = services.agenda_add(
                actor=convenor, meeting=meeting, title=action.decision[:200], source=ItemSource.ACTION_ITEM,
                issues=action._demo_issues, review_of=action,
            )
            if fate == "dropped":
                items.append((item, "review"))
                reviewed_away.add(action.pk)
        open_now = [
            i for i in self.issues.get(meeting.compound_id, [])
            if start - timedelta(days=60) < i.created_at < start - timedelta(hours=2)
            and (i.resolved_at is None or i.resolved_at > start)
        ]
        open_now.sort(key=lambda i: (i.resolution_due >= start, i.created_at))
        for issue in open_now[:rng.randrange(1, 3)]:
            source = ItemSource.OVERDUE if issue.resolution_due < start else ItemSource.MANUAL
            title = f"{issue.reference} {issue.category.name_zh}" + (f"（{issue.building.name}）" if issue.building_id else "")
            items.append((services.agenda_add(actor=convenor, meeting=meeting, title=title, source=source, issues=[issue]), "issue"))
        # Reported again and again in the last month: one item for the category, all its reports.
        recent = [i for i in self.issues.get(meeting.compound_id, []) if start - timedelta(days=30) <= i.created_at < start]
        by_category = {}
        for issue in recent:
            by_category.setdefault(issue.category.name_zh, []).append(issue)
        for name, reports in sorted(by_category.items(), key=lambda kv: -len(kv[1]))[:1]:
            if len(reports) >= 3:
                item = services.agenda_add(
                    actor=convenor, meeting=meeting, title=f"{name}（近 30 天 {len(reports)} 件）", source=ItemSource.REPEATED,
                    issues=reports,
                )
                items.append((item, "issue"))
        title, decision = TOPICS[(meeting.starts_at.month + meeting.compound_id) % len(TOPICS)]
        items.append((services.agenda_add(actor=convenor, meeting=meeting, title=title, notes=decision), "topic"))

        # Per item: the grid worker, a partner unit, the police or the enforcement department.
        codes = {i.category.code for item, _w in items for i in item.issues.all()}
        extra = []
        if codes & {"illegal-construction", "noise"} and self.department is not None:
            extra.append({"organisation": Organisation.DEPARTMENT, "department": self.department})
        if codes & {"parking", "charging"}:
            police = POLICE.format(meeting.compound.community.subdistrict.name)
            extra.append({"organisation": Organisation.POLICE, "organisation_name": police})
        if rng.random() < 0.3:
            extra.append({"organisation": Organisation.GRID, "organisation_name": f"{meeting.compound.community.name}网格员"})
        if rng.random() < 0.15:
            extra.append({"organisation": Organisation.PARTNER, "organisation_name": rng.choice(PARTNERS)})
        for kwargs in extra:
            invitation = services.invite(actor=convenor, meeting=meeting, **kwargs)
            invitations = [*invitations, invitation]
            if rng.random() < 0.8:
                coming.append(invitation)
        for invitation in coming:
            services.sign_in(actor=convenor, meeting=meeting, invitation=invitation,
                             now=start + timedelta(minutes=rng.randrange(-15, 20)))
        lines = [f"应到 {len(invitations)} 人，实到 {len(coming)} 人。主持：{convenor.display_name}。"]
        forced = self.forced.get(meeting.pk)
        decided = []
        for n, (item, what) in enumerate(items):
            if what == "review":
                text = REVIEW_DECISION
            elif what == "issue":
                text = rng.choice(ISSUE_DECISIONS)
            else:
                text = item.notes
            owner = self._owner(meeting, invitations)
            fate = None
            if forced == "open_property" and n == len(items) - 1:
                owner = {"owner_user": next(i.user for i in invitations if i.organisation == Organisation.PROPERTY_COMPANY)}
                fate = "open"
            elif forced == "overdue" and n == len(items) - 1:
                owner = {"owner_organisation": Organisation.OWNERS_COMMITTEE, "owner_name": "业主委员会"}
                fate = "overdue"
            deadline = timezone.localdate(start) + timedelta(days=rng.choice((7, 14, 14, 21, 30)))
            if fate == "open":
                deadline = max(deadline, self.today + timedelta(days=10))
            action = services.decision_record(actor=convenor, item=item, decision=text, deadline=deadline, **owner)
            # Demo back-dating: the decision was taken at the meeting.
            ActionItem.objects.filter(pk=action.pk).update(created_at=meeting.ends_at)
            action._demo_issues = list(item.issues.all()) if what == "issue" else []
            lines.append(f"{n + 1}. {item.title}：{text}")
            decided.append((action, self._fate(meeting, action, owner, fate)))
        services.minutes_save(actor=convenor, meeting=meeting, minutes="\n".join(lines))
        services.meeting_close(actor=convenor, meeting=meeting, now=meeting.ends_at + timedelta(minutes=rng.randrange(5, 60 * 20)))
        # Superseded here: gone from the compound's open list (the new decisions were added by _fate).
        self.open_actions[meeting.compound_id] = [(a, f) for a, f in still_open if a.pk not in reviewed_away] + decided

    def _fate(self, meeting, action, owner, fate):
        rng = self.rng
        actor = owner.get("owner_user") or meeting.convenor
        deadline_end = _at(action.deadline, time(18, 0))
        if fate is None:
            roll = rng.random()
            fate = "on_time" if roll < 0.7 else "late" if roll < 0.88 else "dropped"
        done = None
        if fate == "on_time":
            span = max(1, (deadline_end - meeting.ends_at).days)
            done = meeting.ends_at + timedelta(days=rng.randrange(1, span + 1), hours=-rng.randrange(0, 6))
            done = min(done, deadline_end - timedelta(hours=1))
        elif fate == "late":
            done = deadline_end + timedelta(days=rng.randrange(1, 12))
        if done is not None and done >= self.now - timedelta(hours=1):
            done, fate = None, "open"
        if fate == "dropped" and action.deadline >= self.today:
            fate = "open"
        action._demo_done = done
        self.created.append(action.pk)
        if fate == "overdue":
            self.overdue.append(action.pk)
        if done is not None:
            self.completions.append((action, actor, rng.choice(DONE_NOTES), done))
        return fate

    def finish(self):
        for action, actor, note, when in self.completions:
            services.action_complete(actor=actor, action=action, note=note, now=when)
        # Left open past their deadline with no later meeting to review them: finished late
        # (only the one chosen to stay overdue is left as it is).
        keep = set(self.overdue)
        for action in ActionItem.objects.filter(
            pk__in=self.created, status=ActionStatus.OPEN, deadline__lt=self.today
        ).exclude(pk__in=keep).select_related("item__meeting__compound", "owner_user"):
            when = min(_at(action.deadline, time(18, 0)) + timedelta(days=3), self.now - timedelta(hours=2))
            actor = action.owner_user or self.people.convenor[action.item.meeting.compound_id]
            services.action_complete(actor=actor, action=action, note=DONE_NOTES[0], now=when)


def _prepare(meeting, invitations, rng, now) -> None:
    """The next meeting: the suggested agenda (real overdue issues, open action items to review)
    and the first replies; 江工塑院小区's property staff has said they will come."""
    convenor = meeting.convenor
    suggestions = services.agenda_suggestions(meeting, now=now)
    issues = [x for x in suggestions if x["source"] != ItemSource.ACTION_ITEM][:3]
    for suggestion in issues + [x for x in suggestions if x["source"] == ItemSource.ACTION_ITEM]:
        services.agenda_add(
            actor=convenor, meeting=meeting, title=suggestion["title"], source=suggestion["source"],
            issues=suggestion["issues"], review_of=suggestion.get("review_of"),
        )
    title, notes = TOPICS[(meeting.starts_at.month + meeting.compound_id) % len(TOPICS)]
    services.agenda_add(actor=convenor, meeting=meeting, title=title, notes=notes)
    for invitation in invitations:
        invitation.meeting = meeting
        if invitation.user_id == convenor.pk:
            continue
        roll = rng.random()
        when = now - timedelta(hours=rng.randrange(1, 48))
        if invitation.organisation == Organisation.PROPERTY_COMPANY or roll < 0.5:
            services.invitation_reply(actor=invitation.user, invitation=invitation, reply=Reply.ATTEND, now=when)
        elif roll < 0.6:
            services.invitation_reply(
                actor=invitation.user, invitation=invitation, reply=Reply.DECLINE, reason=rng.choice(DECLINE_REASONS), now=when
            )


def _date_notifications(after_pk: int, now) -> None:
    """Demo back-dating: the assignments were notified when each meeting ended; those of action
    items no longer open are read."""
    rows = ActionItem.objects.filter(created_at__lt=now).values_list("item__meeting_id", "item__meeting__ends_at", "status")
    meetings = {}
    for meeting_id, ends_at, status in rows:
        entry = meetings.setdefault(meeting_id, [ends_at, True])
        entry[1] = entry[1] and status != ActionStatus.OPEN
    for meeting_id, (ends_at, finished) in meetings.items():
        Notification.objects.filter(
            pk__gt=after_pk, kind=kinds.ACTION_ASSIGNED, url=reverse("meetings:detail", args=[meeting_id])
        ).update(created_at=ends_at, read_at=ends_at if finished else None)
