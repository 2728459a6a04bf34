"""Pages of the yearly ratings (filled in by the pages commit)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse

from . import permissions


@login_required
def campaign_list(request):
    return HttpResponse("")


@login_required
def campaign_detail(request, pk):
    permissions.access_campaign(request.user, pk)
    return HttpResponse("")


@login_required
def survey(request, pk):
    return HttpResponse("")


@login_required
def score_detail(request, pk):
    permissions.access_score(request.user, pk)
    return HttpResponse("")
