"""Registering as a resident: one spelling per number, strong passwords, straight on to the claim."""

from django.urls import reverse

from governance.accounts.models import User

STRONG = "a-long-and-unusual-passphrase-2026"


def register(client, **overrides):
    data = {
        "display_name": "王芳",
        "phone": "+86 139 0101 0101",
        "email": "wangfang@example.org",
        "password1": STRONG,
        "password2": STRONG,
    } | overrides
    return client.post(reverse("accounts:register"), data)


def test_registering_creates_the_account_with_the_normalised_number_logs_in_and_goes_to_the_claim(client, db):
    response = register(client)

    assert response.status_code == 302
    assert response["Location"] == reverse("compounds:claim-start")
    user = User.objects.get()
    assert (user.phone, user.username, user.display_name, user.email) == (
        "13901010101",
        "13901010101",
        "王芳",
        "wangfang@example.org",
    )
    assert user.check_password(STRONG)
    assert client.session["_auth_user_id"] == str(user.pk)
    # The page language at registration becomes the account's language (for e-mails).
    assert user.language == "en"


def test_a_number_already_registered_is_refused_inline_and_the_typed_values_are_kept(client, resident):
    response = register(client, phone="138 1234 1234", display_name="张秀英的女儿")

    assert response.status_code == 200
    assert User.objects.filter(phone="13812341234").count() == 1
    assert not User.objects.filter(display_name="张秀英的女儿").exists()
    form = response.context["form"]
    assert list(form.errors) == ["phone"]
    html = response.content.decode()
    assert "This mobile number is already registered. Log in or reset the password." in html
    assert 'class="invalid-feedback d-block">This mobile number is already registered' in html
    assert 'value="138 1234 1234"' in html
    assert 'value="张秀英的女儿"' in html
    assert 'value="wangfang@example.org"' in html
    assert "_auth_user_id" not in client.session


def test_a_weak_password_is_refused_and_nothing_is_created(client, db):
    response = register(client, password1="12345678", password2="12345678")

    assert response.status_code == 200
    assert not User.objects.exists()
    errors = response.context["form"].errors["password1"]
    assert "This password is too common." in errors
    assert "This password is entirely numeric." in errors


def test_a_password_like_the_number_is_refused(client, db):
    response = register(client, password1="13901010101x", password2="13901010101x")

    assert response.status_code == 200
    assert not User.objects.exists()
    assert "password1" in response.context["form"].errors


def test_two_different_passwords_are_refused(client, db):
    response = register(client, password2=STRONG + "!")

    assert response.status_code == 200
    assert not User.objects.exists()
    assert response.context["form"].errors["password2"] == ["The two passwords differ."]


def test_a_number_that_is_not_a_mainland_mobile_is_refused(client, db):
    response = register(client, phone="010-8888 8888")

    assert response.status_code == 200
    assert not User.objects.exists()
    assert "phone" in response.context["form"].errors


def test_a_logged_in_person_is_sent_home_instead_of_registering_again(client, resident):
    client.force_login(resident)

    response = register(client)

    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert User.objects.filter(phone="13901010101").count() == 0
