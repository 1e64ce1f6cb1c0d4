"""The platform: the companies that use Canopy, their retail stores, and their people."""
import hashlib
import secrets
import uuid

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.text import slugify

from ..choices import US_STATES, US_TIMEZONES, LocationType
from ..fields import EncryptedTextField


class Company(models.Model):
    """The account: a dispensary business. Every store, card, product and order belongs to one,
    and a user sees only their own company's (onboarding specialists see all)."""

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=200, unique=True, blank=True)
    # The UID the POS quotes when it calls us (Settings > API & Tracking, L7).
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False, verbose_name="UID")
    # The key the POS sends when it calls us (L7): kept encrypted to show it, hashed to look it up.
    pos_api_key = EncryptedTextField("API key", blank=True, editable=False)
    pos_api_key_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    pos_api_key_rotated_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "companies"
        permissions = [
            ("view_all_companies", "Can see and manage every company (onboarding specialists)"),
            ("change_advanced_settings", "Can change a card's advanced settings (L6)"),
            ("map_store_credentials", "Can map loyalty credentials to retail stores (L9)"),
            ("view_dashboard", "Can read the sync dashboard and alerts (R9, R10)"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        if not self.slug:
            self.slug = slugify(self.name)[:200]
        if not self.pos_api_key:
            self.set_new_pos_api_key()
        super().save(*args, **kwargs)

    def set_new_pos_api_key(self) -> str:
        """A fresh key for the POS to call us; the old one stops working once saved (L7)."""
        key = secrets.token_urlsafe(32)
        self.pos_api_key = key
        self.pos_api_key_hash = hash_api_key(key)
        self.pos_api_key_rotated_at = timezone.now()
        return key


def hash_api_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class ApiAccess(Company):
    """Settings > API & Tracking: the company's UID and the API key the POS uses to call us (L7)."""

    class Meta:
        proxy = True
        verbose_name = "API & Tracking"
        verbose_name_plural = "API & Tracking"


class RetailStore(models.Model):
    """One dispensary location. Ecommerce cards, menus and orders are per store."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="stores")
    name = models.CharField(max_length=200)
    state = models.CharField(max_length=2, choices=US_STATES, help_text="The state the store is licensed in.")
    timezone = models.CharField(max_length=64, choices=US_TIMEZONES, default="America/Denver")
    location_type = models.CharField(
        max_length=16,
        choices=LocationType.choices,
        default=LocationType.RECREATIONAL,
        help_text="Medical, recreational or both: picks the menu's price fields and the customer "
        "types the POS must show (D2).",
    )
    address = models.CharField(max_length=255, blank=True)
    city = models.CharField(max_length=120, blank=True)
    postal_code = models.CharField(max_length=16, blank=True)
    # L9: the Dutchie loyalty credential whose sales and signups are attributed to this store.
    loyalty_credential = models.ForeignKey(
        "integrations.LoyaltyCredential", on_delete=models.SET_NULL, null=True, blank=True,
        related_name="stores", verbose_name="Store Mappings: Dutchie credential",
        help_text="Pick the Dutchie credential for this store; sales and signups are then attributed to it.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["company__name", "name"]
        verbose_name = "retail store"
        constraints = [
            models.UniqueConstraint(fields=["company", "name"], name="unique_store_name_per_company"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        # A credential is a company's Dutchie key: mapping another company's would attribute its sales here.
        if self.loyalty_credential_id and self.company_id:
            from .cards import LoyaltyCredential

            owner = LoyaltyCredential.objects.filter(pk=self.loyalty_credential_id).values_list(
                "card__company_id", flat=True).first()
            if owner != self.company_id:
                raise ValidationError({"loyalty_credential": "Pick a Dutchie credential of this store's own "
                                                             "company."})


class User(AbstractUser):
    """A person who signs in. Dispensary staff and managers belong to a company; onboarding
    specialists work for the platform and may have none."""

    company = models.ForeignKey(
        Company, on_delete=models.PROTECT, null=True, blank=True, related_name="users",
        help_text="Leave empty only for onboarding specialists and platform administrators.",
    )

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"

    @property
    def sees_all_companies(self) -> bool:
        return self.is_superuser or self.has_perm("integrations.view_all_companies")
