from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.shortcuts import render
from django.views.decorators.http import require_GET

from compounds import selectors
from compounds.models import ResidencyStatus
from compounds.scopes import scopes_for


@login_required
@require_GET
def home(request):
    """One home for everyone, with a section per role the person holds."""
    user = request.user
    scopes = scopes_for(user)
    context = {"residencies": selectors.residencies_of(user).exclude(status=ResidencyStatus.ENDED)}
    if scopes.is_staff:
        compounds = selectors.compounds_with_figures(selectors.compounds_managed(user)).order_by("-n_pending", "name")
        totals = selectors.compounds_managed(user).aggregate(
            compounds=Count("pk", distinct=True),
            households=Count("buildings__households", distinct=True),
        )
        residencies = selectors.residencies_managed(user).aggregate(
            verified=Count("pk", filter=Q(status=ResidencyStatus.VERIFIED)),
            pending=Count("pk", filter=Q(status=ResidencyStatus.PENDING)),
        )
        context.update(
            {
                "staff_compounds": compounds[:12],
                "totals": totals | residencies,
                "pending_claims": selectors.residencies_managed(user)
                .filter(status=ResidencyStatus.PENDING)
                .order_by("created_at")[:5],
            }
        )
    context["notifications"] = user.notifications.filter(read_at__isnull=True)[:5]
    return render(request, "dashboards/home.html", context)
