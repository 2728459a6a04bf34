"""REST API of the issue loop (/api/v1/…). `register(router)` is called by governance/urls.py.

Reads are scoped by ``selectors`` (an issue outside the caller's scope is 404 for every method,
``ScopedObjectFirstMixin``); every write calls one service: its ValidationError is a 400, its
PermissionDenied a 403 (the issue is visible but the action is not the caller's), and
``states.IllegalTransition`` a 409 (the issue is not in a state the action starts from) — all in the
project's error format (governance/api.py).
"""

from datetime import date

from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from committees.models import PropertyCompany
from compounds.models import Community, Compound, Department, Subdistrict
from compounds.scopes import scopes_for
from compounds.selectors import compounds_managed
from governance.api import ScopedObjectFirstMixin
from governance.party.models import PartyMember, ResponsibilityZone

from . import permissions, rates, selectors, services
from .models import Channel, DeadlineExtension, Issue, IssuePolicy
from .scoping import rates_scope
from .serializers import (
    CategorySerializer,
    CommentSerializer,
    DispatchSerializer,
    EventSerializer,
    ExtensionDecideSerializer,
    ExtensionRequestSerializer,
    ExtensionSerializer,
    IssueDetailSerializer,
    IssueFileSerializer,
    IssueSerializer,
    MergeSerializer,
    PublicIssueSerializer,
    RankingQuerySerializer,
    RateSerializer,
    RatesQuerySerializer,
    ReasonSerializer,
    ResolveSerializer,
    SummonSerializer,
)


def _valid(serializer_class, request):
    data = request.data
    if hasattr(data, "getlist") and "photos" in getattr(request, "FILES", {}):
        data = data.copy()
        data.setlist("photos", request.FILES.getlist("photos"))
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _flag(request, name) -> bool:
    return request.query_params.get(name, "").lower() in ("1", "true", "yes")


class CategoryViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The active issue categories (the ``code`` is also the Open311 service_code)."""

    serializer_class = CategorySerializer
    pagination_class = None
    queryset = selectors.categories_active()


ISSUE_FILTERS = [
    OpenApiParameter("state", str, description="Only issues in this state."),
    OpenApiParameter("category", str, description="Only issues of this category (its code)."),
    OpenApiParameter("compound", int, description="Only issues of this compound."),
    OpenApiParameter("overdue", bool, description="1: only issues past their current deadline."),
    OpenApiParameter("mine", bool, description="1: only the issues the caller reported."),
    OpenApiParameter("queue", bool, description="1: the caller's work queue (open, soonest deadline first)."),
]


def _action_schema(request_serializer, summary):
    return extend_schema(request=request_serializer, responses=IssueDetailSerializer, summary=summary)


class IssueViewSet(ScopedObjectFirstMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Issues the caller may see (reporter, handler, branch, staff of the place, summoned
    department). POST files one (JSON, or multipart with ``photos``). POST …/{action}/ moves it."""

    serializer_class = IssueSerializer
    queryset = Issue.objects.none()  # for the schema; requests use get_queryset()
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_queryset(self):
        user = self.request.user
        if self.action == "list" and _flag(self.request, "queue"):
            qs = selectors.work_queue(user)
        elif self.action == "support":
            # "Me too" is for neighbours: the public issues of the compounds the caller lives in.
            resident_of = scopes_for(user).resident_compounds
            qs = Issue.objects.filter(selectors.visibility_q(user) | Q(compound_id__in=resident_of, private=False))
        else:
            qs = selectors.issues_visible(user)
        qs = qs.select_related(*permissions.ISSUE_RELATED)
        if self.action == "list":
            params = self.request.query_params
            if _flag(self.request, "mine"):
                qs = qs.filter(reporter=user)
            compound = params.get("compound")
            if compound and not compound.isdigit():
                raise serializers.ValidationError({"compound": [_("Give a compound's id.")]})
            qs = selectors.filter_queue(
                qs, state=params.get("state") or None, category=params.get("category") or None,
                compound=compound or None, overdue=_flag(self.request, "overdue"),
            )
        elif self.action == "retrieve":
            qs = qs.prefetch_related("photos")
        return qs

    def get_serializer_class(self):
        return IssueDetailSerializer if self.action == "retrieve" else IssueSerializer

    def _detail(self, issue, code=status.HTTP_200_OK):
        """The issue after the action, as the caller now sees it (if the action took it out of
        their sight — handed to someone else — they still get the state they left it in)."""
        fresh = self.get_queryset().prefetch_related("photos").filter(pk=issue.pk).first()
        if fresh is None:
            issue.refresh_from_db()
            fresh = issue
        return Response(self._detail_data(fresh), status=code)

    def _detail_data(self, issue):
        within = services.within_rating_window(issue) if issue.state == "resolved" else True
        actions = permissions.actions_for(self.request.user, issue, within_rating_window=within)
        context = {**self.get_serializer_context(), "actions": actions}
        return IssueDetailSerializer(issue, context=context).data

    @extend_schema(parameters=ISSUE_FILTERS)
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def retrieve(self, request, *args, **kwargs):
        return Response(self._detail_data(self.get_object()))

    @extend_schema(request=IssueFileSerializer, responses={201: IssueDetailSerializer})
    def create(self, request, *args, **kwargs):
        """File an issue in a compound you live in (channel "api")."""
        data = _valid(IssueFileSerializer, request)
        issue = services.issue_file(actor=request.user, channel=Channel.API, **data)
        return self._detail(issue, status.HTTP_201_CREATED)

    @extend_schema(responses=EventSerializer(many=True))
    @action(detail=True, methods=["get"])
    def timeline(self, request, pk=None, **kwargs):
        """The issue's timeline; internal events only for handlers and staff."""
        issue = self.get_object()
        events = selectors.timeline(issue, internal=permissions.sees_internal(request.user, issue))
        context = {"request": request, "issue": issue}
        return Response(EventSerializer(events, many=True, context=context).data)

    @_action_schema(None, "Claim the issue (its handler); the second claim is a 409.")
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None, **kwargs):
        issue = self.get_object()
        services.issue_acknowledge(actor=request.user, issue=issue)
        return self._detail(issue)

    @_action_schema(ResolveSerializer, "Resolve the issue (its holder), with a note and photos.")
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None, **kwargs):
        issue = self.get_object()
        data = _valid(ResolveSerializer, request)
        services.issue_resolve(actor=request.user, issue=issue, note=data["note"], photos=data["photos"])
        return self._detail(issue)

    @_action_schema(ReasonSerializer, "Give the issue back to the dispatcher (handler or holder).")
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_(self, request, pk=None, **kwargs):
        issue = self.get_object()
        data = _valid(ReasonSerializer, request)
        services.issue_return(actor=request.user, issue=issue, reason=data["reason"])
        return self._detail(issue)

    @_action_schema(DispatchSerializer, "Dispatch the issue to a member, the property company, the committee or the community.")
    @action(detail=True, methods=["post"], url_path="dispatch", url_name="dispatch")
    def dispatch_to(self, request, pk=None, **kwargs):
        issue = self.get_object()
        data = _valid(DispatchSerializer, request)
        member = None
        if data["member"] is not None:
            member = PartyMember.objects.filter(pk=data["member"]).select_related("user").first()
            if member is None:
                raise serializers.ValidationError({"member": [_("Choose an active member of the compound's branch.")]})
        services.issue_dispatch(actor=request.user, issue=issue, to=data["to"], member=member, note=data["note"])
        return self._detail(issue)

    @_action_schema(RateSerializer, "Rate the result (the reporter, within the rating window).")
    @action(detail=True, methods=["post"])
    def rate(self, request, pk=None, **kwargs):
        issue = self.get_object()
        data = _valid(RateSerializer, request)
        services.issue_rate(actor=request.user, issue=issue, rating=data["rating"], comment=data["comment"])
        return self._detail(issue)

    @_action_schema(ReasonSerializer, "Reopen a resolved issue (the reporter, within the rating window).")
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None, **kwargs):
        issue = self.get_object()
        data = _valid(ReasonSerializer, request)
        services.issue_reopen(actor=request.user, issue=issue, reason=data["reason"])
        return self._detail(issue)

    @_action_schema(ReasonSerializer, "Withdraw the issue (the reporter, until it is acknowledged).")
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None, **kwargs):
        issue = self.get_object()
        data = _valid(ReasonSerializer, request)
        services.issue_cancel(actor=request.user, issue=issue, reason=data["reason"])
        return self._detail(issue)

    @_action_schema(MergeSerializer, "Merge the issue as a duplicate into another of the same compound.")
    @action(detail=True, methods=["post"])
    def merge(self, request, pk=None, **kwargs):
        issue = self.get_object()
        data = _valid(MergeSerializer, request)
        into = selectors.issues_visible(request.user).filter(pk=data["into"]).first()
        if into is None:
            raise serializers.ValidationError({"into": [_("Choose another issue of the same compound.")]})
        services.issue_merge(actor=request.user, issue=issue, into=into, note=data["note"])
        return self._detail(issue)

    @_action_schema(SummonSerializer, "Summon a department to the issue (subdistrict and above).")
    @action(detail=True, methods=["post"])
    def summon(self, request, pk=None, **kwargs):
        issue = self.get_object()
        data = _valid(SummonSerializer, request)
        services.issue_summon(actor=request.user, issue=issue, department=data["department"], reason=data["reason"])
        return self._detail(issue)

    @extend_schema(request=CommentSerializer, responses={201: EventSerializer})
    @action(detail=True, methods=["post"])
    def comment(self, request, pk=None, **kwargs):
        """Comment on the issue; only handlers and staff may make a comment internal (public=false)."""
        issue = self.get_object()
        data = _valid(CommentSerializer, request)
        event = services.issue_comment(actor=request.user, issue=issue, text=data["text"], public=data["public"])
        context = {"request": request, "issue": issue}
        return Response(EventSerializer(event, context=context).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=None,
        responses=inline_serializer("IssueSupported", {"added": serializers.BooleanField(), "supporters_count": serializers.IntegerField()}),
    )
    @action(detail=True, methods=["post"])
    def support(self, request, pk=None, **kwargs):
        """Say "me too" on a public issue of your compound (once; ``added`` is false the second time)."""
        issue = self.get_object()
        added = services.issue_support(actor=request.user, issue=issue)
        count = Issue.objects.values_list("supporters_count", flat=True).get(pk=issue.pk)
        return Response({"added": added, "supporters_count": count})

    @extend_schema(request=ExtensionRequestSerializer, responses={201: ExtensionSerializer})
    @action(detail=True, methods=["post"], url_path="extension", url_name="request-extension")
    def extension(self, request, pk=None, **kwargs):
        """Ask for a later resolution deadline (the holder); a dispatcher decides."""
        issue = self.get_object()
        data = _valid(ExtensionRequestSerializer, request)
        ext = services.extension_request(actor=request.user, issue=issue, new_due=data["new_due"], reason=data["reason"])
        return Response(ExtensionSerializer(ext).data, status=status.HTTP_201_CREATED)


class ExtensionViewSet(ScopedObjectFirstMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Requests for more time, seen by those who see the issue's internal side; a dispatcher decides."""

    serializer_class = ExtensionSerializer
    queryset = DeadlineExtension.objects.none()  # for the schema; requests use get_queryset()

    def get_queryset(self):
        visible = selectors.issues_visible(self.request.user).values("pk")
        return DeadlineExtension.objects.filter(issue__in=visible).select_related(
            "issue__compound", "issue__subdistrict", "issue__handler_member", "issue__category"
        )

    def get_object(self):
        ext = super().get_object()
        if not permissions.sees_internal(self.request.user, ext.issue):
            raise Http404
        return ext

    @extend_schema(request=ExtensionDecideSerializer, responses=ExtensionSerializer)
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None, **kwargs):
        """Approve or reject the request (whoever may dispatch the issue)."""
        ext = self.get_object()
        data = _valid(ExtensionDecideSerializer, request)
        ext = services.extension_decide(actor=request.user, extension=ext, approve=data["approve"], note=data["note"])
        return Response(ExtensionSerializer(ext).data)


class PublicIssueViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """A compound's public list (open, and closed in the last 30 days; not private): for its
    residents and the staff managing it. No reporter, no room."""

    serializer_class = PublicIssueSerializer
    queryset = Issue.objects.none()  # for the schema; requests use get_queryset()

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self.compound = self._compound()

    def _compound(self):
        user = self.request.user
        pk = int(self.kwargs["compound_pk"])
        if pk in scopes_for(user).resident_compounds:
            compound = Compound.objects.filter(pk=pk).first()
        else:
            compound = compounds_managed(user).filter(pk=pk).first()
        if compound is None:
            raise Http404
        return compound

    def get_queryset(self):
        return selectors.issues_public(self.compound)


# --- Rates --------------------------------------------------------------------------------------


def _listable(scope, kind: str, subject_id: int) -> bool:
    """Whether the rates pages would list this subject for the caller."""
    return SUBJECT_MODELS[kind].objects.filter(scope.subjects(kind), pk=subject_id).exists()


SUBJECT_MODELS = {
    "compound": Compound,
    "zone": ResponsibilityZone,
    "member": PartyMember,
    "company": PropertyCompany,
    "community": Community,
    "subdistrict": Subdistrict,
    "department": Department,
}


def _names(kind: str, ids) -> dict[int, str]:
    model = SUBJECT_MODELS[kind]
    qs = model.objects.filter(pk__in=list(ids))
    if kind == "member":
        qs = qs.select_related("user")
    return {obj.pk: str(obj) for obj in qs}


RATES_SCHEMA = inline_serializer(
    "IssueRates",
    {
        "kind": serializers.CharField(), "id": serializers.IntegerField(), "start": serializers.DateField(),
        "end": serializers.DateField(), "rates": serializers.DictField(),
    },
)


class RatesViewSet(viewsets.ViewSet):
    """The three rates (response, resolution, satisfaction) and the composite of one subject.

    The same scope as the rates pages (``governance.issues.scoping``): the subject must be one the
    pages list for the caller (else 404), and the figures count only the issues (for departments,
    the summonses) in the caller's scope — an officer's places, a branch's compounds, a company's
    issues at the compounds where its staff work, a department's summonses."""

    @extend_schema(
        parameters=[
            OpenApiParameter("kind", str, required=True, enum=rates.SUBJECT_KINDS),
            OpenApiParameter("id", int, required=True),
            OpenApiParameter("start", OpenApiTypes.DATE, required=True),
            OpenApiParameter("end", OpenApiTypes.DATE, required=True),
        ],
        responses=RATES_SCHEMA,
    )
    def list(self, request, **kwargs):
        query = RatesQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        q = query.validated_data
        scope = rates_scope(request.user)  # 404 for those with no scope
        if not _listable(scope, q["kind"], q["id"]):
            raise Http404
        policy = IssuePolicy.current()
        by = rates.rates_by(q["kind"], q["start"], q["end"], within=scope.within(q["kind"]), policy=policy)
        result = by.get(q["id"], rates.Rates(weights=policy.weights()))
        return Response({"kind": q["kind"], "id": q["id"], "start": q["start"], "end": q["end"], "rates": result.as_dict()})

    @extend_schema(
        parameters=[
            OpenApiParameter("kind", str, required=True, enum=rates.SUBJECT_KINDS),
            OpenApiParameter("month", str, required=True, description="YYYY-MM"),
        ],
        responses=inline_serializer(
            "IssueRanking",
            {
                "kind": serializers.CharField(), "month": serializers.CharField(),
                "results": serializers.ListField(child=serializers.DictField()),
            },
        ),
    )
    @action(detail=False, methods=["get"])
    def ranking(self, request, **kwargs):
        """The month's ranking of a kind of subject over the issues in the caller's scope, as on the
        ranking page (403 for those with no scope)."""
        query = RankingQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        kind, month = query.validated_data["kind"], query.validated_data["month"]
        try:
            scope = rates_scope(request.user)
        except Http404:
            raise PermissionDenied from None
        year, mon = (int(x) for x in month.split("-"))
        rows = rates.ranking(kind, date(year, mon, 1), within=scope.within(kind), policy=IssuePolicy.current())
        names = _names(kind, [pk for pk, _r in rows])
        results = [
            {"rank": i, "id": pk, "name": names.get(pk, ""), **r.as_dict()} for i, (pk, r) in enumerate(rows, start=1)
        ]
        return Response({"kind": kind, "month": month, "results": results})


def register(router) -> None:
    router.register("issue-categories", CategoryViewSet, basename="issue-category")
    router.register("issues", IssueViewSet, basename="issue")
    router.register("issue-extensions", ExtensionViewSet, basename="issue-extension")
    router.register("issue-rates", RatesViewSet, basename="issue-rates")
    router.register(r"compounds/(?P<compound_pk>\d+)/public-issues", PublicIssueViewSet, basename="compound-public-issue")
