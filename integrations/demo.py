"""Demo data for `make run`: two companies, three stores, one user per role. Loading it twice
changes nothing. Each later capability adds its part here, so the demo shows everything."""
from dataclasses import dataclass

from django.contrib.auth.models import Group
from django.db import transaction

from . import cards, roles
from .choices import LocationType
from .models import Company, IntegrationCard, LoyaltyCredential, RetailStore, User
from .sandbox import services as sandbox
from .sandbox.models import SandboxLocation

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


# Each demo store's ecommerce card talks to its own sandbox POS location (X1), over HTTP to this site.
DEMO_CARDS = [
    # (store, vendor, products, seed)
    ("Green Leaf Denver", "dutchie", 300, 11),
    ("Green Leaf Boulder", "alleaves", 200, 12),
    ("High Desert Santa Fe", "flowhub", 200, 13),
]


def _sandbox_location(name: str, vendor: str, products: int, seed: int) -> SandboxLocation:
    existing = SandboxLocation.objects.filter(name=name, vendor=vendor).first()
    return existing or sandbox.create_location(vendor, name=name, products=products, seed=seed)


def _demo_cards(base_url: str) -> None:
    for store_name, vendor, products, seed in DEMO_CARDS:
        store = RetailStore.objects.get(name=store_name)
        location = _sandbox_location(f"{store_name} (sandbox)", vendor, products, seed)
        wiring = sandbox.describe(location, base_url)
        card = IntegrationCard.objects.filter(store=store, vendor=vendor, kind="ecommerce").first()
        if card is None:
            card = IntegrationCard(company=store.company, store=store, vendor=vendor, kind="ecommerce",
                                   enabled=True, api_endpoint=wiring["base_url"], sync_orders=True)
            for name, value in wiring["credentials"].items():
                setattr(card, name, value)
            cards.save_card(card, None)
        else:
            _repoint(card, wiring["base_url"])
    # The company's Dutchie marketing + loyalty card: two credentials, one mapped (L9), one not (L27).
    company = Company.objects.get(name="Green Leaf Dispensaries")
    loyalty = IntegrationCard.objects.filter(company=company, kind="loyalty").first()
    denver = _sandbox_location("Green Leaf Denver (sandbox)", "dutchie", 300, 11)
    if loyalty is not None:
        _repoint(loyalty, sandbox.describe(denver, base_url)["base_url"])
    else:
        loyalty = IntegrationCard(company=company, vendor="dutchie", kind="loyalty", age_compliance_confirmed=True,
                                  api_endpoint=sandbox.describe(denver, base_url)["base_url"])
        cards.save_card(loyalty, None)
        mapped = LoyaltyCredential.objects.create(card=loyalty, store_name="Green Leaf Denver", state="CO",
                                                  api_key=denver.api_key)
        LoyaltyCredential.objects.create(card=loyalty, store_name="Green Leaf Boulder (medical)", state="CO",
                                         api_key=_sandbox_location("Green Leaf Boulder medical (sandbox)",
                                                                   "dutchie", 50, 14).api_key)
        RetailStore.objects.filter(name="Green Leaf Denver").update(loyalty_credential=mapped)


def _repoint(card: IntegrationCard, endpoint: str) -> None:
    """A demo card still wired to the sandbox follows the address the site is served at now (`make run
    PORT=...`); one someone pointed at a real POS is left alone."""
    if "/sandbox/" in (card.api_endpoint or "") and card.api_endpoint != endpoint:
        before = cards.snapshot(card)
        card.api_endpoint = endpoint
        cards.save_card(card, None, before=before)


@transaction.atomic
def load_demo_data(base_url: str = "http://127.0.0.1:8000") -> list[DemoLogin]:
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
    _demo_cards(base_url)
    return LOGINS
