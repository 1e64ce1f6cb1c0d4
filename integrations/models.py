"""The platform: the companies that use Canopy, their retail stores, and their people."""
import uuid

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.text import slugify

from .choices import US_STATES, US_TIMEZONES, LocationType


class Company(models.Model):
    """The account: a dispensary business. Every store, card, product and order belongs to one,
    and a user sees only their own company's (onboarding specialists see all)."""

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=200, unique=True, blank=True)
    # The UID the POS quotes when it calls us (Settings > API & Tracking, L7).
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False, verbose_name="UID")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "companies"
        permissions = [
            ("view_all_companies", "Can see and manage every company (onboarding specialists)"),
            ("change_advanced_settings", "Can change a card's advanced settings (L6)"),
            ("map_store_credentials", "Can map loyalty credentials to retail stores (L9)"),
            ("run_sync", "Can press Sync and run an initial sync (C3, R4)"),
            ("view_dashboard", "Can read the sync dashboard and alerts (R9, R10)"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        if not self.slug:
            self.slug = slugify(self.name)[:200]
        super().save(*args, **kwargs)


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
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["company__name", "name"]
        verbose_name = "retail store"
        constraints = [
            models.UniqueConstraint(fields=["company", "name"], name="unique_store_name_per_company"),
        ]

    def __str__(self) -> str:
        return self.name


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
