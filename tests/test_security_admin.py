"""Issue 11, findings 3 and 4 and the store form's duplicate name: no role escalation in the user admin,
no store mapped to another company's loyalty credential, and a clear form error instead of a 500."""
import pytest
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError

from integrations import roles
from integrations.models import IntegrationCard, LoyaltyCredential, RetailStore, User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def user_form(user: User, **changes) -> dict:
    """The change form of `user` as the admin page posts it (every field the page can hold)."""
    data = {
        "username": user.username, "first_name": user.first_name, "last_name": user.last_name,
        "email": user.email, "is_active": "on" if user.is_active else "",
        "company": user.company_id or "", "last_login_0": "", "last_login_1": "",
        "date_joined_0": user.date_joined.strftime("%Y-%m-%d"), "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v != ""}


@pytest.fixture
def target(company_a):
    return UserFactory(username="target", company=company_a, role=roles.DISPENSARY_STAFF)


@pytest.mark.parametrize("changes", [
    {"is_superuser": "on"},
    {"is_staff": ""},  # taking staff status away is a grant decision too
    {"groups": "ONBOARDING"},
    {"user_permissions": "VIEW_TOKEN"},
], ids=["superuser", "staff", "groups", "permissions"])
def test_finding3_specialist_cannot_grant_power(client, specialist, target, changes):
    changes = dict(changes)
    if changes.get("groups") == "ONBOARDING":
        changes["groups"] = Group.objects.get(name=roles.ONBOARDING_SPECIALIST).pk
    if changes.get("user_permissions") == "VIEW_TOKEN":
        changes["user_permissions"] = Permission.objects.get(codename="view_tokenproxy").pk
    client.force_login(specialist)
    url = f"/admin/integrations/user/{target.pk}/change/"
    page = client.get(url).content.decode()
    for name in ("is_superuser", "is_staff", "groups", "user_permissions"):
        assert f'name="{name}"' not in page  # shown read-only, not as inputs
    before = (target.is_superuser, target.is_staff, set(target.groups.all()), set(target.user_permissions.all()))
    form = user_form(target, is_staff="on", groups=Group.objects.get(name=roles.DISPENSARY_STAFF).pk)
    response = client.post(url, {**form, **changes})
    assert response.status_code in (200, 302, 403)
    target.refresh_from_db()
    after = (target.is_superuser, target.is_staff, set(target.groups.all()), set(target.user_permissions.all()))
    assert after == before
    assert not target.is_superuser
    assert "integrations.view_all_companies" not in target.get_all_permissions()


def test_finding3_specialist_still_edits_ordinary_fields(client, specialist, target):
    client.force_login(specialist)
    url = f"/admin/integrations/user/{target.pk}/change/"
    response = client.post(url, user_form(target, email="new@example.com", is_staff="on"))
    assert response.status_code == 302, response.content.decode()[:2000]
    target.refresh_from_db()
    assert target.email == "new@example.com"
    assert target.groups.get().name == roles.DISPENSARY_STAFF  # untouched


def test_finding3_forged_privileged_form_is_refused_on_save(rf, monkeypatch, specialist, target):
    """Even a form that carries the privileged fields (say, a later change drops the read-only) cannot save them."""
    from django.contrib.admin.sites import site

    admin = site._registry[User]
    monkeypatch.setattr(admin, "get_readonly_fields", lambda request, obj=None: [])
    request = rf.post("/")
    request.user = specialist
    form_class = admin.get_form(request, target, fields=["username", "is_superuser", "groups"])
    form = form_class({"username": target.username, "is_superuser": "on",
                       "groups": [Group.objects.get(name=roles.DISPENSARY_STAFF).pk]}, instance=target)
    assert not form.is_valid()
    assert "Only a superuser" in str(form.errors)
    target.is_superuser = True
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        admin.save_model(request, target, form, change=True)
    target.refresh_from_db()
    assert not target.is_superuser


def test_finding3_specialist_cannot_edit_or_reset_password_of_superuser(client, specialist):
    boss = User.objects.create_superuser("boss", "boss@example.com", "boss-pass-123")
    client.force_login(specialist)
    response = client.post(f"/admin/integrations/user/{boss.pk}/password/",
                           {"password1": "taken-over-123", "password2": "taken-over-123"})
    assert response.status_code == 403
    response = client.post(f"/admin/integrations/user/{boss.pk}/change/", user_form(boss, email="x@example.com"))
    assert response.status_code == 403
    boss.refresh_from_db()
    assert boss.check_password("boss-pass-123")
    assert boss.email == "boss@example.com"


def test_finding3_new_user_from_specialist_has_no_power(client, specialist):
    client.force_login(specialist)
    response = client.post("/admin/integrations/user/add/", {
        "username": "newbie", "password1": "a-long-pass-123", "password2": "a-long-pass-123",
        "usable_password": "true", "is_superuser": "on", "is_staff": "on",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    newbie = User.objects.get(username="newbie")
    assert not newbie.is_superuser and not newbie.is_staff


def test_finding3_superuser_grants_roles(client, target):
    boss = User.objects.create_superuser("boss", "boss@example.com", "boss-pass-123")
    client.force_login(boss)
    manager = Group.objects.get(name=roles.MANAGER)
    response = client.post(f"/admin/integrations/user/{target.pk}/change/",
                           user_form(target, is_staff="on", groups=manager.pk))
    assert response.status_code == 302, response.content.decode()[:2000]
    assert target.groups.get() == manager


@pytest.fixture
def credentials(company_a, company_b):
    own = IntegrationCard.objects.create(company=company_a, vendor="dutchie", kind="loyalty")
    other = IntegrationCard.objects.create(company=company_b, vendor="dutchie", kind="loyalty")
    return (LoyaltyCredential.objects.create(card=own, store_name="Acme own key", api_key="a" * 24),
            LoyaltyCredential.objects.create(card=other, store_name="Bravo key", api_key="b" * 24))


def test_finding4_model_refuses_another_companys_credential(store_a, credentials):
    own, other = credentials
    store_a.loyalty_credential = other
    with pytest.raises(ValidationError) as refused:
        store_a.full_clean()
    assert "loyalty_credential" in refused.value.message_dict
    store_a.loyalty_credential = own
    store_a.full_clean()


def test_finding4_store_add_form_refuses_another_companys_credential(client, specialist, company_a, credentials):
    own, other = credentials
    client.force_login(specialist)
    page = client.get("/admin/integrations/retailstore/add/").content.decode()
    assert "Acme Cannabis · Acme own key" in page  # the company is named beside each choice
    form = {"company": company_a.pk, "name": "Acme Mapped", "state": "CO", "timezone": "America/Denver",
            "location_type": "both", "loyalty_credential": other.pk}
    response = client.post("/admin/integrations/retailstore/add/", form)
    assert response.status_code == 200
    assert "own company" in response.content.decode()
    assert not RetailStore.objects.filter(name="Acme Mapped").exists()
    response = client.post("/admin/integrations/retailstore/add/", {**form, "loyalty_credential": own.pk})
    assert response.status_code == 302
    assert RetailStore.objects.get(name="Acme Mapped").loyalty_credential == own


def test_finding4_store_change_form_offers_only_own_companys_credentials(client, specialist, store_a, credentials):
    own, other = credentials
    client.force_login(specialist)
    url = f"/admin/integrations/retailstore/{store_a.pk}/change/"
    page = client.get(url).content.decode()
    assert "Acme own key" in page and "Bravo key" not in page
    form = {"company": store_a.company_id, "name": store_a.name, "state": "CO", "timezone": "America/Denver",
            "location_type": "both", "loyalty_credential": other.pk}
    assert client.post(url, form).status_code == 200
    store_a.refresh_from_db()
    assert store_a.loyalty_credential is None


@pytest.mark.parametrize("who", ["staff", "specialist"])
def test_finding6_duplicate_store_name_is_a_form_error(client, who, staff_a, specialist, store_a):
    client.force_login(staff_a if who == "staff" else specialist)
    form = {"name": store_a.name, "state": "CO", "timezone": "America/Denver", "location_type": "both",
            "company": store_a.company_id}
    response = client.post("/admin/integrations/retailstore/add/", form)
    assert response.status_code == 200
    assert "already" in response.content.decode()
    assert RetailStore.objects.filter(name=store_a.name).count() == 1
