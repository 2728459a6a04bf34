"""A URLconf for the walker's own tests: the project's routes plus two that ignore scope."""

from django.http import HttpResponse
from django.urls import include, path

from compounds.models import Household
from governance.urls import urlpatterns as project_urlpatterns


def leaky_household(request, pk=None, household_pk=None):
    # Deliberately wrong: no access helper, and a POST writes.
    household = Household.objects.get(pk=pk or household_pk)
    if request.method == "POST":
        household.room = "LEAK"
        household.save()
    return HttpResponse(household.room)


nested = [path("<int:household_pk>/", leaky_household, name="leak-nested")]

urlpatterns = [
    *project_urlpatterns,
    path("leak/<int:pk>/", leaky_household, name="leak"),
    path("nested/", include(nested)),
]
