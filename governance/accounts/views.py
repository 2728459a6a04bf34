from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import check_for_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django.views.i18n import set_language as django_set_language

from governance.http import method_not_allowed

from . import services
from .forms import LoginForm, ProfileForm, RegisterForm
from .models import NotificationChannel
from .notifications import kinds


class LoginView(auth_views.LoginView):
    """Log in, and keep the language the person chose: a language picked on this device before
    logging in becomes the account's; otherwise the account's language applies on this device."""

    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        user = form.get_user()
        chosen = self.request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if chosen in dict(settings.LANGUAGES):
            services.user_set_language(user=user, language=chosen)
        elif user.language in dict(settings.LANGUAGES):
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                user.language,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                path=settings.LANGUAGE_COOKIE_PATH,
                domain=settings.LANGUAGE_COOKIE_DOMAIN,
                secure=settings.LANGUAGE_COOKIE_SECURE,
                httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            )
        return response


def register(request):
    if request.user.is_authenticated:
        return redirect("home")
    form = RegisterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.user_register(
                phone=form.cleaned_data["phone"],
                password=form.cleaned_data["password1"],
                display_name=form.cleaned_data["display_name"],
                email=form.cleaned_data["email"],
                language=request.LANGUAGE_CODE if request.LANGUAGE_CODE in dict(settings.LANGUAGES) else "",
            )
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.error_dict.items():
                    target = {"password": "password1", "username": "phone"}.get(field, field)
                    form.add_error(target if target in form.fields else None, errors)
            else:
                form.add_error("password1", exc.messages)
        else:
            login(request, user, backend="governance.accounts.backends.PhoneOrUsernameBackend")
            messages.success(request, _("Welcome to Linli. Next, claim your household so your community can verify you."))
            return redirect("compounds:claim-start")
    return render(request, "accounts/register.html", {"form": form})


@login_required
def profile(request):
    user = request.user
    form = ProfileForm(
        request.POST or None,
        initial={"display_name": user.display_name, "email": user.email, "show_phone": user.show_phone},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.user_update_profile(user=user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(request, _("Profile saved."))
            return redirect("accounts:profile")
    prefs = {(p.kind, p.channel): p.enabled for p in user.notification_preferences.all()}
    rows = [
        {
            "kind": kind,
            "channels": [
                {"channel": value, "label": label, "enabled": prefs.get((kind.code, value), True)}
                for value, label in NotificationChannel.choices
            ],
        }
        for kind in kinds()
    ]
    return render(request, "accounts/profile.html", {"form": form, "rows": rows})


@login_required
@require_POST
def notification_preference(request):
    try:
        services.notification_preference_set(
            user=request.user,
            kind=request.POST.get("kind", ""),
            channel=request.POST.get("channel", ""),
            enabled=request.POST.get("enabled") == "on",
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Notification settings saved."))
    return redirect("accounts:profile")


@login_required
@require_GET
def notification_list(request):
    from governance.http import paginate

    page = paginate(request, request.user.notifications.all(), per_page=30)
    return render(request, "accounts/notifications.html", {"page": page})


@login_required
def notification_read(request, pk=None):
    if pk is not None:
        # Someone else's notification does not exist for you, whatever the method (404 before 405).
        get_object_or_404(request.user.notifications, pk=pk)
    if response := method_not_allowed(request, "POST"):
        return response
    services.notification_mark_read(user=request.user, notification_id=pk)
    if request.htmx:
        return HttpResponse(status=204, headers={"HX-Refresh": "true"})
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return HttpResponseRedirect(target)
    return redirect("accounts:notifications")


@login_required
def notification_open(request, pk):
    """Mark one notification read and follow its link (404 for someone else's, whatever the method)."""
    notification = get_object_or_404(request.user.notifications, pk=pk)
    if response := method_not_allowed(request, "GET"):
        return response
    services.notification_mark_read(user=request.user, notification_id=notification.pk)
    return redirect(notification.url or "accounts:notifications")


@require_POST
def set_language(request):
    """Django's language switch, remembering the choice on the account for e-mails."""
    language = request.POST.get("language", "")
    if request.user.is_authenticated and check_for_language(language) and language in dict(settings.LANGUAGES):
        services.user_set_language(user=request.user, language=language)
    return django_set_language(request)
