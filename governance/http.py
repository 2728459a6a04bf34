"""Small helpers shared by page views."""

from django.core.paginator import Paginator
from django.http import Http404, HttpResponseNotAllowed


def method_not_allowed(request, *methods):
    """Call after the access helper, so out-of-scope callers get 404 for every method first."""
    if request.method not in methods:
        return HttpResponseNotAllowed(methods)
    return None


def page_size(request, per_page=50) -> int:
    try:
        return min(max(int(request.GET.get("size", per_page)), 10), 200)
    except ValueError:
        return per_page


def page_asked(request, per_page=50) -> tuple[int, int]:
    """The page number and size asked for, as ``paginate`` reads them (a number that is not one:
    page 1), before the rows are counted: the key of a kept page."""
    raw = request.GET.get("page", "")
    return (int(raw) if raw.isdigit() and int(raw) > 0 else 1), page_size(request, per_page)


def paginate(request, queryset, per_page=50, *, count=None):
    """A bounded page: ``?page=`` beyond the end shows the last page instead of failing.
    ``count``: the number of rows when the caller has already counted them (saves the query)."""
    paginator = Paginator(queryset, page_size(request, per_page))
    if count is not None:
        paginator.count = count  # a cached_property: this replaces the COUNT query
    return paginator.get_page(request.GET.get("page"))


def paginate_deferred(request, queryset, per_page=50, *, count=None):
    """``paginate`` for deep lists: the page's ids are read first (an index-only scan, however
    far the offset), then only that page's rows are loaded, with whatever the queryset selects
    with them. One query more than ``paginate``; worth it where page 200 must cost what page 1
    does."""
    page = paginate(request, queryset.values_list("pk", flat=True), per_page, count=count)
    ids = list(page.object_list)
    rows = {obj.pk: obj for obj in queryset.filter(pk__in=ids)} if ids else {}
    page.object_list = [rows[pk] for pk in ids if pk in rows]
    return page


def querystring_without(request, *keys) -> str:
    params = request.GET.copy()
    for key in keys:
        params.pop(key, None)
    return params.urlencode()


def form_errors_from(exc, form) -> None:
    """Put a service's ValidationError on the form: per field where it names one, else on top."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def get_or_404(qs, pk):
    """One object of a (scoped) queryset, or 404 — also for a malformed id."""
    try:
        return qs.get(pk=pk)
    except (qs.model.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
