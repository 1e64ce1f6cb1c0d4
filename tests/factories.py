"""factory_boy factories: the platform (companies, stores, users), cards and their credentials, sync runs
and their entries, and the catalog's products."""
from decimal import Decimal

import factory
from django.contrib.auth.models import Group
from django.utils import timezone

from catalog.models import Product
from integrations import roles
from integrations.models import Company, IntegrationCard, LoyaltyCredential, RetailStore, SyncRun, SyncRunEntry, User

PASSWORD = "test-pass-123"


class CompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Company

    name = factory.Sequence(lambda n: f"Company {n}")


class RetailStoreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RetailStore

    company = factory.SubFactory(CompanyFactory)
    name = factory.Sequence(lambda n: f"Store {n}")
    state = "CO"
    timezone = "America/Denver"
    location_type = "recreational"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    company = factory.SubFactory(CompanyFactory)
    is_staff = True
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if extracted:
            roles.sync_roles()
            self.groups.add(Group.objects.get(name=extracted))
        if create:
            self.save()


class IntegrationCardFactory(factory.django.DjangoModelFactory):
    """An ecommerce card of a store (a new one unless given), of the store's company: Dutchie without
    credentials, as a card is before its keys arrive. The traits give a vendor with the credentials its
    card asks for (`dutchie`, `alleaves`, `flowhub`), or the company's Dutchie marketing + loyalty card
    (`loyalty`: no store; its keys are LoyaltyCredentials)."""

    class Meta:
        model = IntegrationCard

    store = factory.SubFactory(RetailStoreFactory)
    company = factory.SelfAttribute("store.company")
    vendor = "dutchie"

    class Params:
        dutchie = factory.Trait(vendor="dutchie", api_key="dutchie-test-key-0001")
        alleaves = factory.Trait(vendor="alleaves", location_id="1001", username="canopy@example.com",
                                 password="alleaves-test-password")
        flowhub = factory.Trait(vendor="flowhub", location_id="flowhub-location-1", client_id="flowhub-client-1",
                                api_key="flowhub-test-key-0001")
        loyalty = factory.Trait(kind="loyalty", vendor="dutchie", store=None,
                                company=factory.SubFactory(CompanyFactory))


class LoyaltyCredentialFactory(factory.django.DjangoModelFactory):
    """One location key of a loyalty card (a new company's unless given)."""

    class Meta:
        model = LoyaltyCredential

    card = factory.SubFactory(IntegrationCardFactory, loyalty=True)
    store_name = factory.Sequence(lambda n: f"Location {n}")
    api_key = factory.Sequence(lambda n: f"loyalty-test-key-{n:08d}")


class SyncRunFactory(factory.django.DjangoModelFactory):
    """A finished inventory run (a queued or running one would make enqueue_sync join it)."""

    class Meta:
        model = SyncRun

    card = factory.SubFactory(IntegrationCardFactory)
    stream = "inventory"
    trigger = SyncRun.Trigger.BUTTON
    status = SyncRun.Status.SUCCEEDED
    started_at = factory.LazyFunction(timezone.now)
    finished_at = factory.SelfAttribute("started_at")


class SyncRunEntryFactory(factory.django.DjangoModelFactory):
    """A notable record of a run; `updated` gives one with its diff."""

    class Meta:
        model = SyncRunEntry

    run = factory.SubFactory(SyncRunFactory)
    status = SyncRunEntry.Status.CREATED
    pos_id = factory.Sequence(str)
    name = factory.LazyAttribute(lambda entry: f"Product {entry.pos_id}")
    message = "New in the POS: created (R8)."

    class Params:
        updated = factory.Trait(status=SyncRunEntry.Status.UPDATED, message="Changed in the POS.",
                                diff={"unit_price": ["35.00", "32.00"]})


class ProductFactory(factory.django.DjangoModelFactory):
    """A product on a store's menu (a new store's unless given). No card unless given: a store has one
    card per vendor, which a product per card would break."""

    class Meta:
        model = Product

    store = factory.SubFactory(RetailStoreFactory)
    card = None
    pos_product_id = factory.Sequence(str)
    sku = factory.LazyAttribute(lambda product: f"SKU-{product.pos_product_id}")
    product_name = factory.LazyAttribute(lambda product: f"Product {product.pos_product_id}")
    category = "flower"
    quantity = 5
    unit_price = Decimal("20.00")
