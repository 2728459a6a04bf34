"""The layout's menu is rendered once per process for each language and kind of person
(governance/accounts/templatetags/linli.py): whoever views a page next must get their own."""

from django.urls import reverse

STAFF_ONLY = reverse("compounds:compound-list")
ADMIN_ONLY = reverse("admin:index")


def _home(client, user, language="zh-hans"):
    client.force_login(user)
    html = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE=language).content.decode()
    client.logout()
    start = html.index('<ul class="navbar-nav me-auto">')
    return html[start : html.index('<ul class="navbar-nav align-items-lg-center">')]  # the main menu


def test_each_person_gets_the_menu_of_their_own_roles_whoever_came_before(client, world, officer, resident, system_admin):
    first = {who.username: _home(client, who) for who in (system_admin, officer, resident)}
    again = {who.username: _home(client, who) for who in (resident, officer, system_admin)}
    assert again == first
    assert f'href="{STAFF_ONLY}"' not in first["resident"] and f'href="{ADMIN_ONLY}"' not in first["resident"]
    assert f'href="{STAFF_ONLY}"' in first["officer"] and f'href="{ADMIN_ONLY}"' not in first["officer"]
    assert f'href="{ADMIN_ONLY}"' in first["system_admin"]
    assert 'data-testid="nav-queue"' in first["officer"] and 'data-testid="nav-queue"' not in first["resident"]


def test_the_menu_follows_the_language_of_each_request(client, world, resident):
    chinese = _home(client, resident, "zh-hans")
    english = _home(client, resident, "en")
    assert "我的诉求" in chinese and "My issues" not in chinese
    assert "My issues" in english and "我的诉求" not in english
    assert _home(client, resident, "zh-hans") == chinese


def test_a_new_role_shows_in_the_menu_at_once(client, world, resident):
    from compounds import services as place_services
    from governance.accounts.roles import Role

    before = _home(client, resident)
    assert f'href="{STAFF_ONLY}"' not in before
    place_services.role_grant(user=resident, role=Role.COMMUNITY_OFFICER, scope=world.a)
    assert f'href="{STAFF_ONLY}"' in _home(client, resident)
