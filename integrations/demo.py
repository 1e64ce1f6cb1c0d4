"""Demo data for `make run`: two companies, three stores, one user per role. Loading it twice
changes nothing. Each later capability adds its part here, so the demo shows everything."""
from dataclasses import dataclass

from django.contrib.auth.models import Group
from django.db import transaction

from . import roles
from .choices import LocationType
from .models import Company, RetailStore, User

DEMO_PASSWORD = "canopy-demo"

COMPANIES = {
    "Green Leaf Dispensaries": [
        dict(name="Green Leaf Denver", state="CO", timezone="America/Denver",
             location_type=LocationType.RECREATIONAL, address="1550 Blake St", city="Denver",
             postal_code="80202"),
        dict(name="Green Leaf Boulder", state="CO", timezone="America/Denver",
             location_type=LocationType.BOTH, address="2010 Pearl St", city="Boulder", postal_code="80302"),
    ],
    "High Desert Cannabis": [
        dict(name="High Desert Santa Fe", state="NM", timezone="America/Denver",
             location_type=LocationType.MEDICAL, address="310 Cerrillos Rd", city="Santa Fe",
             postal_code="87501"),
    ],
}


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    company: str | None


LOGINS = [
    DemoLogin("staff", roles.DISPENSARY_STAFF, "Green Leaf Dispensaries"),
    DemoLogin("manager", roles.MANAGER, "Green Leaf Dispensaries"),
    DemoLogin("onboarding", roles.ONBOARDING_SPECIALIST, None),
    DemoLogin("desert-staff", roles.DISPENSARY_STAFF, "High Desert Cannabis"),
]


@transaction.atomic
def load_demo_data() -> list[DemoLogin]:
    roles.sync_roles()
    companies = {}
    for company_name, stores in COMPANIES.items():
        company, _ = Company.objects.get_or_create(name=company_name)
        companies[company_name] = company
        for store in stores:
            RetailStore.objects.update_or_create(
                company=company, name=store["name"], defaults={k: v for k, v in store.items() if k != "name"}
            )
    for login in LOGINS:
        user, created = User.objects.get_or_create(
            username=login.username,
            defaults={"email": f"{login.username}@example.com", "is_staff": True},
        )
        user.company = companies.get(login.company)
        user.is_staff = True
        if created:
            user.set_password(DEMO_PASSWORD)
        user.save()
        user.groups.set([Group.objects.get(name=login.role)])
    return LOGINS
