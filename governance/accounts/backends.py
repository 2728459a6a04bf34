import re

from django.contrib.auth.backends import ModelBackend

from .models import User, normalise_phone


class PhoneOrUsernameBackend(ModelBackend):
    """Authenticate with a mobile number or a username (see ``LinliUserManager.get_by_natural_key``)."""


def lockout_username(request, credentials=None) -> str | None:
    """The name django-axes counts failed log-ins under (``AXES_USERNAME_CALLABLE``).

    One account can be named many ways: its username, its number, ``138 1234 1234``, ``+86…``.
    Counted as typed, each spelling had its own five attempts, so guessing could walk around the
    lock-out; counted under the account's username, every spelling adds to one count.
    """
    if credentials:
        login = credentials.get("username")
    elif request is not None:
        login = getattr(request, "data", request.POST).get("username")
    else:
        return None
    if not login:
        return login
    phone = normalise_phone(login)
    if re.fullmatch(r"1\d{10}", phone):
        # The same resolution as log-in itself: a number names the account holding it, if any.
        username = User.objects.filter(phone=phone).values_list("username", flat=True).first()
        return username or phone
    return login
