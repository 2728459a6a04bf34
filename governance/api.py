"""REST API foundation: pagination, one error format, scoped object lookup."""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from governance.issues.states import IllegalTransition


class Pagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


def exception_handler(exc, context):
    """Every error has the same shape: {"error": {"status", "code", "message", "details"}}."""
    if isinstance(exc, IllegalTransition):
        # The issue is not in a state the action starts from (someone else acted first): 409.
        set_rollback()
        return Response(
            {"error": {"status": 409, "code": "illegal_transition", "message": exc.message,
                       "details": {"action": exc.action, "state": exc.state}}},
            status=status.HTTP_409_CONFLICT,
        )
    if isinstance(exc, DjangoValidationError):
        # A service's refusal of the input: a 400 like a serializer's.
        details = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        exc = exceptions.ValidationError(details)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    detail = response.data
    if isinstance(exc, exceptions.ValidationError):
        message = "Invalid input."
        details = detail
        code = "invalid"
    else:
        message = str(detail.get("detail", "")) if isinstance(detail, dict) else str(detail)
        details = None
        code = getattr(getattr(exc, "detail", None), "code", None) or getattr(exc, "default_code", "error")
    response.data = {"error": {"status": response.status_code, "code": code, "message": message, "details": details}}
    return response


class ScopedObjectFirstMixin:
    """Resolve the object before anything else, so a caller without scope gets 404 for every
    method, including ones the endpoint does not allow (instead of a 405 that confirms existence)."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        lookup = self.lookup_url_kwarg or self.lookup_field
        if lookup in self.kwargs:
            self.get_object()


def problem(message: str, code: str = "conflict", http_status: int = status.HTTP_409_CONFLICT) -> Response:
    return Response({"error": {"status": http_status, "code": code, "message": message, "details": None}}, status=http_status)
