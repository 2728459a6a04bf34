"""Pages of the joint meetings: the meetings list, a series and a one-off meeting, the meeting
(in full for the convenor, the branch, officers and invitees; the public summary for residents),
its actions (reply, invite, agenda, sign-in, minutes, decisions, close, move, cancel), the .ics
download, a compound's published summaries, and "my action items".

Each view: access helper first (404 outside scope, and for a resident on anything but the
summary), then the method check, then one service call. Bad input re-renders the meeting page with
the errors (400); "visible but not allowed" is PermissionDenied (403).
"""

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, Count, Prefetch, Q, Value, When
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from compounds.models import Compound
from compounds.scopes import scopes_for
from governance.accounts.roles import Role
from governance.http import form_errors_from, get_or_404, method_not_allowed, paginate

from . import forms, selectors, services
from .ics import ics_response
from .models import (
    ActionItem,
    ActionStatus,
    AgendaItem,
    Invitation,
    MeetingKind,
    MeetingSeries,
    MeetingStatus,
    Reply,
)
from .permissions import access_meeting


def meeting_url(meeting) -> str:
    return reverse("meetings:detail", args=[meeting.pk])


def _convenable(user):
    """Compounds where the caller may convene: as the branch secretary, or as their officer."""
    s = scopes_for(user)
    if s.system_admin:
        return Compound.objects.order_by("name")  # (Q(…) | Q() would narrow "everywhere" down)
    return Compound.objects.filter(Q(pk__in=s.compounds_with(Role.BRANCH_SECRETARY)) | s.compound_q()).order_by("name")


def _full(request, pk):
    """The meeting in full, or 404 (outsiders, and residents who may read only the summary)."""
    meeting, full = access_meeting(request.user, pk)
    if not full:
        raise Http404
    return meeting


# --- lists ------------------------------------------------------------------------------------


@login_required
def meeting_list(request):
    if response := method_not_allowed(request, "GET"):
        return response
    now = timezone.now()
    attending = Count("invitations", filter=Q(invitations__reply=Reply.ATTEND))
    base = selectors.meetings_full(request.user).select_related("compound", "series").annotate(
        attending=attending, invited=Count("invitations")
    )
    compound_id = request.GET.get("compound", "")
    if compound_id.isdigit():
        base = base.filter(compound_id=int(compound_id))
    upcoming = list(base.filter(status=MeetingStatus.SCHEDULED, starts_at__gte=now).order_by("starts_at")[:50])
    past = paginate(request, base.exclude(status=MeetingStatus.SCHEDULED, starts_at__gte=now).order_by("-starts_at"))
    convenable = _convenable(request.user)
    series = list(
        MeetingSeries.objects.filter(Q(compound__in=convenable) | Q(convenor=request.user))
        .select_related("compound")
        .order_by("compound__name", "title")[:100]
    )
    compounds = list(convenable[:200])
    s = scopes_for(request.user)
    summary_compounds = list(Compound.objects.filter(pk__in=s.resident_compounds).order_by("name"))
    return render(
        request,
        "meetings/list.html",
        {
            "upcoming": upcoming,
            "past": past,
            "series": series,
            "can_convene": bool(compounds),
            "summary_compounds": summary_compounds,
            "compounds": compounds,
            "compound_id": int(compound_id) if compound_id.isdigit() else None,
        },
    )


@login_required
def series_create(request):
    compounds = _convenable(request.user)
    if not compounds.exists():
        raise Http404
    if response := method_not_allowed(request, "GET", "POST"):
        return response
    form = forms.SeriesForm(request.POST or None, compounds=compounds)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            series = services.series_create(
                actor=request.user, compound=data["compound"], title=data["title"], weekday=data["weekday"],
                week_of_month=data["week_of_month"], time=data["time"], place=data["place"],
                duration_minutes=data["duration_minutes"], starts_on=data["starts_on"],
            )
        except ValidationError as exc:
            form_errors_from(exc, form)
        else:
            created = services.meetings_generate(series_ids=[series.pk])
            messages.success(request, ngettext(
                "Series “%(title)s” created; %(n)s meeting scheduled ahead.",
                "Series “%(title)s” created; %(n)s meetings scheduled ahead.", created,
            ) % {"title": series.title, "n": created})
            return redirect("meetings:list")
    status = 400 if request.method == "POST" else 200
    return render(request, "meetings/series_form.html", {"form": form}, status=status)


@login_required
def meeting_create(request):
    compounds = _convenable(request.user)
    if not compounds.exists():
        raise Http404
    if response := method_not_allowed(request, "GET", "POST"):
        return response
    initial = forms.next_week_defaults()
    if request.GET.get("compound"):
        initial["compound"] = request.GET["compound"]
    if request.GET.get("kind") in MeetingKind.values:
        initial["kind"] = request.GET["kind"]
    form = forms.MeetingForm(request.POST or None, compounds=compounds, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            meeting = services.meeting_schedule(
                actor=request.user, compound=data["compound"], title=data["title"], starts_at=data["starts_at"],
                ends_at=data["ends_at"], place=data["place"], kind=data["kind"],
            )
        except ValidationError as exc:
            form_errors_from(exc, form)
        else:
            messages.success(request, _("Meeting scheduled; the invitees are notified before it."))
            return redirect(meeting_url(meeting))
    status = 400 if request.method == "POST" else 200
    return render(request, "meetings/meeting_form.html", {"form": form}, status=status)


# --- the meeting ------------------------------------------------------------------------------


def _items(meeting):
    return list(
        AgendaItem.objects.filter(meeting=meeting)
        .prefetch_related(
            "issues",
            Prefetch("decisions", queryset=ActionItem.objects.select_related("owner_user").order_by("deadline", "pk")),
        )
        .select_related("review_of")
        .order_by("position", "pk")
    )


def _suggestion_key(s) -> str:
    review = s.get("review_of")
    return f"{s['source']}:{review.pk if review else ''}:{','.join(str(i.pk) for i in s['issues'])}"


def _render_detail(request, meeting, *, status=200, **bound):
    user = request.user
    invitations = list(
        Invitation.objects.filter(meeting=meeting).select_related("user", "department", "company").order_by("organisation", "pk")
    )
    counts = {value: 0 for value in Reply.values}
    for inv in invitations:
        counts[inv.reply] += 1
    mine = next((i for i in invitations if i.user_id == user.pk), None)
    convene = services.can_convene(user, meeting.compound)
    scheduled = meeting.status == MeetingStatus.SCHEDULED
    items = _items(meeting)
    for item in items:
        if bound.get("decision_item") == item.pk:
            item.decision_form = bound["decision_form"]
        else:
            item.decision_form = forms.DecisionForm(
                invitations=invitations, auto_id=f"id_item{item.pk}_%s", initial={"item": item.pk}
            )
    suggestions = []
    if convene and scheduled:
        picked = {(i.source, i.review_of_id, tuple(sorted(x.pk for x in i.issues.all()))) for i in items}
        for s in services.agenda_suggestions(meeting):
            review = s.get("review_of")
            s["key"] = _suggestion_key(s)
            s["picked"] = (s["source"], review.pk if review else None, tuple(sorted(i.pk for i in s["issues"]))) in picked
            suggestions.append(s)
    signin_link = request.build_absolute_uri(reverse("meetings:sign-in", args=[meeting.pk])) + f"?code={meeting.signin_code}"
    context = {
        "meeting": meeting,
        "full": True,
        "invitations": invitations,
        "counts": counts,
        "mine": mine,
        "can_convene": convene,
        "scheduled": scheduled,
        "items": items,
        "suggestions": suggestions,
        "signin_link": signin_link if convene and scheduled else "",
        # A QR code of the link, to project: attendees scan it with their phone's camera.
        "signin_qr": segno.make(signin_link, error="m").png_data_uri(scale=6, border=2) if convene and scheduled else "",
        "reply_form": bound.get("reply_form") or forms.ReplyForm(initial={"reply": mine.reply} if mine else None),
        "invite_form": bound.get("invite_form") or forms.InviteForm(compound=meeting.compound),
        "agenda_form": bound.get("agenda_form") or forms.AgendaForm(),
        "minutes_form": bound.get("minutes_form") or forms.MinutesForm(initial={"minutes": meeting.minutes}),
        "decision_item": bound.get("decision_item"),
        "move_form": bound.get("move_form") or forms.TimePlaceForm(initial={
            "day": timezone.localtime(meeting.starts_at).date(),
            "start": timezone.localtime(meeting.starts_at).strftime("%H:%M"),
            "end": timezone.localtime(meeting.ends_at).strftime("%H:%M"),
            "place": meeting.place,
        }),
        "now": timezone.now(),
    }
    return render(request, "meetings/detail.html", context, status=status)


def _render_summary(request, meeting, template="meetings/summary.html"):
    return render(request, template, {"meeting": meeting, "items": _items(meeting)})


@login_required
def meeting_detail(request, pk):
    meeting, full = access_meeting(request.user, pk)
    if response := method_not_allowed(request, "GET"):
        return response
    if not full:
        return _render_summary(request, meeting)
    return _render_detail(request, meeting)


@login_required
def meeting_summary(request, pk):
    """The printable public summary (A4): items, decisions, owners, deadlines, status."""
    meeting, full = access_meeting(request.user, pk)
    if response := method_not_allowed(request, "GET"):
        return response
    return _render_summary(request, meeting)


def _done(request, meeting, message):
    messages.success(request, message)
    return redirect(meeting_url(meeting))


def _refused(request, meeting, exc):
    messages.error(request, " ".join(exc.messages))
    return redirect(meeting_url(meeting))


def _convenor_button(request, meeting, write, done):
    """A button on the meeting page: run the service and go back with ``done``, or with why not."""
    try:
        write()
    except ValidationError as exc:
        return _refused(request, meeting, exc)
    return _done(request, meeting, done)


def _convenor_form(request, meeting, form, write, done, **page):
    """A form on the meeting page (the convenor's, or an invitee's reply): if valid, ``write(cleaned_data)`` (the service) and go back with
    ``done``; else the page again (400) with the form's errors and ``page``'s bound forms."""
    if form.is_valid():
        try:
            write(form.cleaned_data)
        except ValidationError as exc:
            form_errors_from(exc, form)
        else:
            return _done(request, meeting, done)
    return _render_detail(request, meeting, status=400, **page)


@login_required
def meeting_reply(request, pk):
    meeting = _full(request, pk)
    if response := method_not_allowed(request, "POST"):
        return response
    invitation = Invitation.objects.filter(meeting=meeting, user=request.user).select_related("meeting").first()
    if invitation is None:
        raise Http404
    form = forms.ReplyForm(request.POST)
    return _convenor_form(
        request, meeting, form,
        lambda data: services.invitation_reply(
            actor=request.user, invitation=invitation, reply=data["reply"], reason=data["reason"]
        ),
        _("Your reply is recorded."),
        reply_form=form,
    )  # fmt: skip


@login_required
def meeting_invite(request, pk):
    meeting = _full(request, pk)
    if response := method_not_allowed(request, "POST"):
        return response
    services.require_convenor(request.user, meeting.compound)
    form = forms.InviteForm(request.POST, compound=meeting.compound)
    return _convenor_form(
        request, meeting, form,
        lambda data: services.invite(
            actor=request.user, meeting=meeting, organisation=data["organisation"], user=data["user"],
            organisation_name=data["organisation_name"] if not data["user"] else "",
            department=data["department"] if data["kind"] == "department" else None,
        ),
        _("Invited."),
        invite_form=form,
    )  # fmt: skip


@login_required
def agenda_pick(request, pk):
    """One click on a suggested item: it goes on the agenda with its issues (or the action item it reviews)."""
    meeting = _full(request, pk)
    if response := method_not_allowed(request, "POST"):
        return response
    services.require_convenor(request.user, meeting.compound)
    key = request.POST.get("key", "")
    suggestion = next((s for s in services.agenda_suggestions(meeting) if _suggestion_key(s) == key), None)
    if suggestion is None:
        messages.error(request, _("This suggestion is no longer current."))
        return redirect(meeting_url(meeting))
    try:
        services.agenda_add(
            actor=request.user, meeting=meeting, title=suggestion["title"], source=suggestion["source"],
            issues=suggestion["issues"], review_of=suggestion.get("review_of"),
        )
    except ValidationError as exc:
        return _refused(request, meeting, exc)
    return _done(request, meeting, _("Added to the agenda."))


@login_required
def agenda_add(request, pk):
    meeting = _full(request, pk)
    if response := method_not_allowed(request, "POST"):
        return response
    services.require_convenor(request.user, meeting.compound)
    form = forms.AgendaForm(request.POST)
    return _convenor_form(
        request, meeting, form,
        lambda data: services.agenda_add(actor=request.user, meeting=meeting, title=data["title"], notes=data["notes"]),
        _("Added to the agenda."),
        agenda_form=form,
    )  # fmt: skip


@login_required
def meeting_sign_in(request, pk):
    """An attendee signs in with the code shown on screen (GET shows the button, POST signs in)."""
    meeting = _full(request, pk)
    if response := method_not_allowed(request, "GET", "POST"):
        return response
    code = request.POST.get("code") if request.method == "POST" else request.GET.get("code", "")
    invitation = Invitation.objects.filter(meeting=meeting, user=request.user).first()
    error = ""
    if request.method == "POST":
        try:
            services.sign_in(actor=request.user, meeting=meeting, code=code or "")
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            return _done(request, meeting, _("You are signed in."))
    status = 400 if error else 200
    return render(request, "meetings/sign_in.html",
                  {"meeting": meeting, "code": code, "invitation": invitation, "error": error}, status=status)


@login_required
def meeting_attendance(request, pk):
    """The convenor ticks the invitees who came."""
    meeting = _full(request, pk)
    if response := method_not_allowed(request, "POST"):
        return response
    ids = [int(i) for i in request.POST.getlist("present") if i.isdigit()]
    return _convenor_button(
        request, meeting, lambda: services.attendance_record(actor=request.user, meeting=meeting, invitation_ids=ids),
        _("Attendance recorded."),
    )


@login_required
def meeting_minutes(request, pk):
    meeting = _full(request, pk)
    if response := method_not_allowed(request, "POST"):
        return response
    services.require_convenor(request.user, meeting.compound)
    form = forms.MinutesForm(request.POST)
    return _convenor_form(
        request, meeting, form,
        lambda data: services.minutes_save(actor=request.user, meeting=meeting, minutes=data["minutes"]),
        _("Minutes saved."), minutes_form=form,
    )


@login_required
def meeting_decide(request, pk):
    """A decision on one agenda item: it becomes an action item with an owner and a deadline."""
    meeting = _full(request, pk)
    if response := method_not_allowed(request, "POST"):
        return response
    services.require_convenor(request.user, meeting.compound)
    invitations = list(Invitation.objects.filter(meeting=meeting).select_related("user"))
    item_id = request.POST.get("item", "")
    form = forms.DecisionForm(request.POST, invitations=invitations, auto_id=f"id_item{item_id}_%s")

    def record(data):
        item = AgendaItem.objects.filter(meeting=meeting, pk=data["item"]).select_related("meeting__compound").first()
        if item is None:
            raise Http404
        services.decision_record(
            actor=request.user, item=item, decision=data["decision"], deadline=data["deadline"],
            owner_user=data["owner_user"], owner_organisation=data["owner_organisation"], owner_name=data["owner_name"],
        )

    return _convenor_form(
        request, meeting, form, record, _("Decision recorded as an action item."),
        decision_form=form, decision_item=int(item_id) if item_id.isdigit() else None,
    )


@login_required
def meeting_close(request, pk):
    meeting = _full(request, pk)
    if response := method_not_allowed(request, "POST"):
        return response
    return _convenor_button(
        request, meeting, lambda: services.meeting_close(actor=request.user, meeting=meeting),
        _("Meeting closed; its summary is now public to the compound's residents."),
    )


@login_required
def meeting_move(request, pk):
    meeting = _full(request, pk)
    if response := method_not_allowed(request, "POST"):
        return response
    services.require_convenor(request.user, meeting.compound)
    form = forms.TimePlaceForm(request.POST)
    return _convenor_form(
        request, meeting, form,
        lambda data: services.meeting_move(
            actor=request.user, meeting=meeting, starts_at=data["starts_at"], ends_at=data["ends_at"], place=data["place"]
        ),
        _("Meeting moved; the invitees will be reminded of the new time and place."), move_form=form,
    )


@login_required
def meeting_cancel(request, pk):
    meeting = _full(request, pk)
    if response := method_not_allowed(request, "POST"):
        return response
    return _convenor_button(
        request, meeting, lambda: services.meeting_cancel(actor=request.user, meeting=meeting), _("Meeting cancelled.")
    )


@login_required
def meeting_calendar(request, pk):
    """The meeting as an .ics file, for those who see it in full (invitees, the branch, officers)."""
    meeting = _full(request, pk)
    if response := method_not_allowed(request, "GET"):
        return response
    return ics_response(request, meeting)


# --- residents: a compound's published summaries ----------------------------------------------


@login_required
def compound_summaries(request, compound_pk):
    s = scopes_for(request.user)
    branch = s.compounds_with(Role.BRANCH_SECRETARY, Role.BRANCH_COMMITTEE)
    places = Compound.objects.all() if s.system_admin else Compound.objects.filter(
        Q(pk__in=s.resident_compounds) | Q(pk__in=branch) | s.compound_q()
    )
    compound = get_or_404(places, compound_pk)
    if response := method_not_allowed(request, "GET"):
        return response
    meetings = (
        selectors.meetings_visible(request.user)
        .filter(compound=compound, status=MeetingStatus.CLOSED, kind=MeetingKind.JOINT)
        .annotate(n_items=Count("items", distinct=True), n_decisions=Count("items__decisions", distinct=True))
        .order_by("-starts_at")
    )
    return render(request, "meetings/summaries.html", {"compound": compound, "page": paginate(request, meetings)})


# --- my action items --------------------------------------------------------------------------


@login_required
def my_actions(request):
    if response := method_not_allowed(request, "GET"):
        return response
    # Open first (selectors.actions_of orders by the status text, which puts "done" first).
    open_first = Case(When(status=ActionStatus.OPEN, then=Value(0)), default=Value(1))
    page = paginate(request, selectors.actions_of(request.user).order_by(open_first, "deadline", "pk"))
    return render(request, "meetings/actions.html", {"page": page, "form": forms.DoneForm(), "open": ActionStatus.OPEN})


@login_required
def action_done(request, pk):
    action = get_or_404(
        ActionItem.objects.filter(
            Q(owner_user=request.user) | Q(item__meeting__in=selectors.meetings_full(request.user))
        ).select_related("item__meeting__compound"),
        pk,
    )
    if response := method_not_allowed(request, "POST"):
        return response
    form = forms.DoneForm(request.POST)
    if form.is_valid():
        try:
            action = services.action_complete(
                actor=request.user, action=action, note=form.cleaned_data["note"],
                resolve_issues=form.cleaned_data["resolve_issues"],
            )
        except PermissionDenied:
            raise
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Marked done."))
            if action.resolved_issues:
                messages.success(request, _("Resolved: %(refs)s.") % {"refs": ", ".join(i.reference for i in action.resolved_issues)})
            if action.unresolved_issues:
                messages.warning(
                    request,
                    _("Not resolved (escalated beyond the branch, or changed meanwhile): %(refs)s.")
                    % {"refs": ", ".join(i.reference for i in action.unresolved_issues)},
                )
    else:
        messages.error(request, _("Say what was done."))
    return redirect(request.POST.get("next") == "meeting" and meeting_url(action.item.meeting) or reverse("meetings:actions"))
