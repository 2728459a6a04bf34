from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from .models import normalise_phone, phone_validator


class LoginForm(AuthenticationForm):
    username = forms.CharField(
        label=_("Mobile number or username"),
        max_length=150,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username", "inputmode": "text"}),
    )


class RegisterForm(forms.Form):
    display_name = forms.CharField(label=_("Your name"), max_length=64, help_text=_("As your neighbours know you."))
    phone = forms.CharField(
        label=_("Mobile number"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
        help_text=_("You log in with it. Others see it masked, e.g. 138****1234."),
    )
    email = forms.EmailField(label=_("E-mail (optional)"), required=False, help_text=_("For notices and password reset."))
    password1 = forms.CharField(label=_("Password"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    password2 = forms.CharField(
        label=_("Password again"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean_phone(self):
        phone = normalise_phone(self.cleaned_data["phone"])
        phone_validator(phone)
        return phone

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password1") != data.get("password2"):
            self.add_error("password2", _("The two passwords differ."))
        return data


class ProfileForm(forms.Form):
    display_name = forms.CharField(label=_("Your name"), max_length=64)
    email = forms.EmailField(label=_("E-mail"), required=False)
    show_phone = forms.BooleanField(
        label=_("Show my full mobile number to neighbours"),
        required=False,
        help_text=_("Otherwise they see it masked; officers of your community always see it in full."),
    )
