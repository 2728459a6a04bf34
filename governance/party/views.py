"""Pages of the Party organisation. Each view: access helper first (404 outside scope), then the
method check, then one service call, then render (the pattern of compounds.views)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from compounds.selectors import communities_managed
from governance.http import form_errors_from, method_not_allowed, paginate, querystring_without

from . import selectors, services
from .exports import XLSX, member_record_xlsx
from .forms import (
    BranchForm,
    CheckInForm,
    GroupForm,
    LeaderForm,
    MemberAddForm,
    MemberEditForm,
    PostClaimForm,
    SeatForm,
    ZoneForm,
)
from .models import BranchKind, BuildingLeader, MemberKind, ServicePost, ZoneHousehold
from .permissions import (
    access_branch,
    access_claim,
    access_group,
    access_member,
    access_seat,
    access_zone,
)


def _require_manager(request):
    if not communities_managed(request.user).exists():
        raise Http404


# --- Branches ---------------------------------------------------------------------------------

BRANCH_SORTS = {"name": "name", "-name": "-name", "community": "community__name", "-community": "-community__name",
                "members": "n_members", "-members": "-n_members", "zones": "n_zones", "-zones": "-n_zones"}


@login_required
def branch_list(request):
    _require_manager(request)
    if response := method_not_allowed(request, "GET"):
        return response
    communities = communities_managed(request.user)
    qs = selectors.branches_with_figures(selectors.branches_managed(request.user))
    q = request.GET.get("q", "").strip()
    community = request.GET.get("community", "")
    kind = request.GET.get("kind", "")
    dissolved = request.GET.get("dissolved") == "1"
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(coverage__compound__name__icontains=q)).distinct()
    if community.isdigit():
        qs = qs.filter(community_id=community)
    if kind in BranchKind.values:
        qs = qs.filter(kind=kind)
    if not dissolved:
        qs = qs.filter(dissolved_on__isnull=True)
    sort = request.GET.get("sort", "community")
    page = paginate(request, qs.order_by(BRANCH_SORTS.get(sort, "community__name"), "name", "pk"))
    return render(request, "party/branch_list.html", {
        "page": page, "communities": communities, "kinds": BranchKind.choices, "q": q, "community": community,
        "kind": kind, "dissolved": dissolved, "sort": sort, "qs": querystring_without(request, "page", "sort"),
        "filtered": bool(q or community or kind),
    })


@login_required
def branch_create(request):
    _require_manager(request)
    if response := method_not_allowed(request, "GET", "POST"):
        return response
    communities = communities_managed(request.user)
    initial = {"founded_on": timezone.localdate()}
    if request.GET.get("community", "").isdigit():
        initial["community"] = request.GET["community"]
    elif communities.count() == 1:
        initial["community"] = communities.first().pk
    form = BranchForm(request.POST or None, communities=communities, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            branch = services.branch_create(actor=request.user, **data)
        except ValidationError as exc:
            form_errors_from(exc, form)
        else:
            messages.success(request, _("Branch %(name)s created.") % {"name": branch.name})
            return redirect("party:branch-detail", branch.pk)
    return render(request, "party/branch_form.html", {"form": form})


@login_required
def branch_detail(request, pk):
    branch = access_branch(request.user, pk)
    if response := method_not_allowed(request, "GET"):
        return response
    members = branch.members.select_related("user").order_by("left_on", "user__display_name")
    if request.GET.get("former") != "1":
        members = members.filter(left_on__isnull=True)
    return render(request, "party/branch_detail.html", {
        "branch": branch,
        "coverage": branch.coverage.select_related("compound").order_by("compound__name"),
        "seats": branch.seats.filter(ended_on__isnull=True).select_related("member__user").order_by("role"),
        "members": members,
        "groups": branch.groups.select_related("leader__user").prefetch_related("buildings"),
        "zones": branch.zones.filter(ended_on__isnull=True).select_related("compound", "member__user"),
        "leaders": BuildingLeader.objects.filter(
            member__branch=branch, ended_on__isnull=True
        ).select_related("building__compound", "member__user", "household"),
        "former": request.GET.get("former") == "1",
    })


@login_required
def branch_edit(request, pk):
    branch = access_branch(request.user, pk)
    if response := method_not_allowed(request, "GET", "POST"):
        return response
    initial = {
        "community": branch.community_id, "name": branch.name, "kind": branch.kind, "founded_on": branch.founded_on,
        "compounds": [c.compound_id for c in branch.coverage.all()],
    }
    form = BranchForm(request.POST or None, communities=communities_managed(request.user), branch=branch, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data.pop("community")
        try:
            services.branch_update(actor=request.user, branch=branch, **data)
        except ValidationError as exc:
            form_errors_from(exc, form)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("party:branch-detail", branch.pk)
    return render(request, "party/branch_form.html", {"form": form, "branch": branch})


@login_required
def branch_dissolve(request, pk):
    branch = access_branch(request.user, pk)
    if response := method_not_allowed(request, "POST"):
        return response
    try:
        services.branch_dissolve(actor=request.user, branch=branch)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Branch %(name)s dissolved; its members, seats and zones have ended.") % {"name": branch.name})
    return redirect("party:branch-detail", branch.pk)


# --- Members and seats ------------------------------------------------------------------------


@login_required
def member_list(request):
    _require_manager(request)
    if response := method_not_allowed(request, "GET"):
        return response
    qs = selectors.members_managed(request.user).select_related("branch__community")
    q = request.GET.get("q", "").strip()
    kind = request.GET.get("kind", "")
    branch = request.GET.get("branch", "")
    if q:
        qs = qs.filter(Q(user__display_name__icontains=q) | Q(user__phone__contains=q) | Q(employer__icontains=q))
    if kind in MemberKind.values:
        qs = qs.filter(kind=kind)
    if branch.isdigit():
        qs = qs.filter(branch_id=branch)
    if request.GET.get("former") != "1":
        qs = qs.filter(left_on__isnull=True)
    page = paginate(request, qs.order_by("branch__name", "user__display_name", "pk"))
    return render(request, "party/member_list.html", {
        "page": page, "q": q, "kind": kind, "branch": branch, "kinds": MemberKind.choices,
        "qs": querystring_without(request, "page"), "filtered": bool(q or kind or branch),
    })


@login_required
def member_add(request, pk):
    branch = access_branch(request.user, pk)
    if response := method_not_allowed(request, "GET", "POST"):
        return response
    form = MemberAddForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data.pop("phone")
        try:
            member = services.member_add(actor=request.user, branch=branch, **data)
        except ValidationError as exc:
            form_errors_from(exc, form)
        else:
            messages.success(request, _("%(name)s is now a member of %(branch)s.") % {"name": member.user.name, "branch": branch})
            return redirect("party:branch-detail", branch.pk)
    return render(request, "party/member_form.html", {"form": form, "branch": branch})


@login_required
def member_detail(request, pk):
    member = access_member(request.user, pk, manage=True)
    if response := method_not_allowed(request, "GET"):
        return response
    return render(request, "party/member_detail.html", {
        "member": member,
        "seats": member.branch_seats.order_by("-term_start"),
        "zones": member.zones.filter(ended_on__isnull=True).select_related("compound"),
        "checkins": member.checkins.select_related("community").order_by("-checked_in_on")[:20],
        "claims": member.post_claims.select_related("post").order_by("-claimed_on")[:50],
        "quarter": selectors.Quarter.of(timezone.localdate()),
    })


@login_required
def member_edit(request, pk):
    member = access_member(request.user, pk, manage=True)
    if response := method_not_allowed(request, "GET", "POST"):
        return response
    initial = {"kind": member.kind, "employer": member.employer, "employer_party_organisation": member.employer_party_organisation}
    form = MemberEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.member_update(actor=request.user, member=member, **form.cleaned_data)
        except ValidationError as exc:
            form_errors_from(exc, form)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("party:member-detail", member.pk)
    return render(request, "party/member_form.html", {"form": form, "branch": member.branch, "member": member})


@login_required
def member_leave(request, pk):
    member = access_member(request.user, pk, manage=True)
    if response := method_not_allowed(request, "POST"):
        return response
    try:
        services.member_leave(actor=request.user, member=member)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("%(name)s has left the branch; their seats and roles have ended.") % {"name": member.user.name})
    return redirect("party:member-detail", member.pk)


def _quarter_or_400(request):
    text = request.GET.get("quarter", "")
    if not text:
        return selectors.Quarter.of(timezone.localdate())
    try:
        return selectors.Quarter.parse(text)
    except ValueError:
        return None


@login_required
def member_record(request, pk):
    """The quarterly service record (.xlsx), for the member themself and officers in scope."""
    member = access_member(request.user, pk)
    if response := method_not_allowed(request, "GET"):
        return response
    quarter = _quarter_or_400(request)
    if quarter is None:
        return HttpResponseBadRequest(_("Give the quarter as year and quarter, e.g. 2026Q4."), content_type="text/plain; charset=utf-8")
    response = HttpResponse(member_record_xlsx(member, quarter), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="service-record-{member.pk}-{quarter}.xlsx"'
    return response


@login_required
def seat_add(request, pk):
    branch = access_branch(request.user, pk)
    if response := method_not_allowed(request, "GET", "POST"):
        return response
    form = SeatForm(request.POST or None, branch=branch, initial={"term_start": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.branch_seat_add(actor=request.user, branch=branch, **form.cleaned_data)
        except ValidationError as exc:
            form_errors_from(exc, form)
        else:
            messages.success(request, _("Seat added."))
            return redirect("party:branch-detail", branch.pk)
    return render(request, "party/simple_form.html", {
        "form": form, "branch": branch, "title": _("New committee seat"),
        "empty": not form.fields["member"].queryset.exists(),
    })


@login_required
def seat_end(request, pk):
    seat = access_seat(request.user, pk)
    if response := method_not_allowed(request, "POST"):
        return response
    try:
        services.branch_seat_end(actor=request.user, seat=seat)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The seat has ended."))
    return redirect("party:branch-detail", seat.branch_id)


# --- Groups, building leaders, zones ----------------------------------------------------------


def _group_form(request, branch, group=None):
    initial = {}
    if group is not None:
        initial = {"name": group.name, "leader": group.leader_id, "buildings": [b.pk for b in group.buildings.all()]}
    form = GroupForm(request.POST or None, branch=branch, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.group_save(actor=request.user, branch=branch, group=group, **form.cleaned_data)
        except ValidationError as exc:
            form_errors_from(exc, form)
        else:
            messages.success(request, _("Party group saved."))
            return redirect("party:branch-detail", branch.pk)
    title = _("Edit party group") if group else _("New party group")
    return render(request, "party/simple_form.html", {"form": form, "branch": branch, "title": title})


@login_required
def group_create(request, pk):
    branch = access_branch(request.user, pk)
    if response := method_not_allowed(request, "GET", "POST"):
        return response
    return _group_form(request, branch)


@login_required
def group_edit(request, pk):
    group = access_group(request.user, pk)
    if response := method_not_allowed(request, "GET", "POST"):
        return response
    return _group_form(request, group.branch, group)


@login_required
def leader_set(request, pk):
    branch = access_branch(request.user, pk)
    if response := method_not_allowed(request, "GET", "POST"):
        return response
    initial = {}
    if request.GET.get("building", "").isdigit():
        initial["building"] = request.GET["building"]
    form = LeaderForm(request.POST or None, branch=branch, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.building_leader_set(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form_errors_from(exc, form)
        else:
            messages.success(request, _("Building leader set."))
            return redirect("party:branch-detail", branch.pk)
    return render(request, "party/simple_form.html", {
        "form": form, "branch": branch, "title": _("Set a building leader"),
        "empty": not form.fields["member"].queryset.exists(),
    })


def _zone_form(request, branch, zone=None):
    initial = {}
    if zone is not None:
        households = list(ZoneHousehold.objects.filter(zone=zone).values_list("household_id", flat=True))
        initial = {"compound": zone.compound_id, "member": zone.member_id, "name": zone.name, "households": households}
    elif request.GET.get("compound", "").isdigit():
        initial["compound"] = request.GET["compound"]
    form = ZoneForm(request.POST or None, branch=branch, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.zone_save(actor=request.user, branch=branch, zone=zone, **form.cleaned_data)
        except ValidationError as exc:
            form_errors_from(exc, form)
        else:
            messages.success(request, _("Zone %(name)s saved.") % {"name": saved.name})
            return redirect("party:branch-detail", branch.pk)
    return render(request, "party/zone_form.html", {"form": form, "branch": branch, "zone": zone})


@login_required
def zone_create(request, pk):
    branch = access_branch(request.user, pk)
    if response := method_not_allowed(request, "GET", "POST"):
        return response
    return _zone_form(request, branch)


@login_required
def zone_edit(request, pk):
    zone = access_zone(request.user, pk)
    if response := method_not_allowed(request, "GET", "POST"):
        return response
    if zone.ended_on:
        messages.error(request, _("This zone has ended."))
        return redirect("party:branch-detail", zone.branch_id)
    return _zone_form(request, zone.branch, zone)


@login_required
def zone_end(request, pk):
    zone = access_zone(request.user, pk)
    if response := method_not_allowed(request, "POST"):
        return response
    try:
        services.zone_end(actor=request.user, zone=zone)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Zone %(name)s ended; its households are free for another zone.") % {"name": zone.name})
    return redirect("party:branch-detail", zone.branch_id)


# --- Check-ins (officers) ---------------------------------------------------------------------


@login_required
def checkin_list(request):
    _require_manager(request)
    if response := method_not_allowed(request, "GET"):
        return response
    base = selectors.checkins_managed(request.user)
    state = request.GET.get("state", "")
    if state not in selectors.CHECKIN_STATES:
        state = ""
    qs = selectors.checkins_in_state(base, state)
    q = request.GET.get("q", "").strip()
    if q:
        qs = qs.filter(Q(member__user__display_name__icontains=q) | Q(member__employer__icontains=q))
    page = paginate(request, qs.order_by("expires_on", "pk"))
    return render(request, "party/checkin_list.html", {
        "page": page, "state": state, "q": q, "counts": selectors.checkin_counts(base),
        "today": timezone.localdate(), "qs": querystring_without(request, "page"),
    })


# --- The member's own check-in (mobile first) -------------------------------------------------


def _my_context(member, checkin_form=None) -> dict:
    context = {"member": member}
    if member is None:
        return context
    checkin = selectors.current_checkin(member)
    claims = list(selectors.claims_of(member))
    claimed = {c.post_id for c in claims}
    today = timezone.localdate()
    return context | {
        "checkin": checkin,
        "claims": claims,
        "days_left": (checkin.expires_on - today).days if checkin else None,
        "days_over": (today - checkin.expires_on).days if checkin else None,
        "checkin_form": checkin_form or CheckInForm(),
        "open_posts": [p for p in ServicePost.objects.filter(active=True) if p.pk not in claimed],
        "quarter": selectors.Quarter.of(today),
        "in_service": member.kind == MemberKind.IN_SERVICE,
    }


@login_required
def my_checkin(request):
    """The member's own page: membership, check-in and posts; an explanation for non-members."""
    if response := method_not_allowed(request, "GET"):
        return response
    return render(request, "party/my_checkin.html", _my_context(selectors.membership_of(request.user)))


def _my_member_or_redirect(request):
    member = selectors.membership_of(request.user)
    if member is None:
        messages.error(request, _("You are not registered with a Party branch."))
    return member


@login_required
def my_checkin_register(request):
    if response := method_not_allowed(request, "POST"):
        return response
    member = _my_member_or_redirect(request)
    if member is None:
        return redirect("party:my-checkin")
    form = CheckInForm(request.POST)
    if form.is_valid():
        try:
            services.checkin_register(
                actor=request.user, member=member, community=member.branch.community,
                posts=form.cleaned_data["posts"], note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            form_errors_from(exc, form)
        else:
            messages.success(request, _("You are checked in with %(c)s.") % {"c": member.branch.community})
            return redirect("party:my-checkin")
    return render(request, "party/my_checkin.html", _my_context(member, form))


@login_required
def my_checkin_renew(request):
    if response := method_not_allowed(request, "POST"):
        return response
    member = _my_member_or_redirect(request)
    if member is not None:
        checkin = selectors.current_checkin(member)
        if checkin is None:
            messages.error(request, _("You have no check-in to renew; check in first."))
        else:
            try:
                renewed = services.checkin_renew(actor=request.user, checkin=checkin)
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
            else:
                messages.success(request, _("Renewed until %(d)s.") % {"d": renewed.expires_on.isoformat()})
    return redirect("party:my-checkin")


@login_required
def my_post_claim(request):
    if response := method_not_allowed(request, "POST"):
        return response
    member = _my_member_or_redirect(request)
    if member is not None:
        form = PostClaimForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Choose a service post."))
        else:
            try:
                claim = services.post_claim(actor=request.user, member=member, **form.cleaned_data)
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
            else:
                messages.success(request, _("You claimed %(post)s.") % {"post": claim.post.name})
    return redirect("party:my-checkin")


@login_required
def post_release(request, pk):
    claim = access_claim(request.user, pk)
    if response := method_not_allowed(request, "POST"):
        return response
    try:
        services.post_release(actor=request.user, claim=claim)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("You released %(post)s.") % {"post": claim.post.name})
    if claim.member.user_id == request.user.pk:
        return redirect("party:my-checkin")
    return redirect("party:member-detail", claim.member_id)

