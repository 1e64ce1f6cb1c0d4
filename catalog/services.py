"""Menu services: storefront keys (issue, rotate, revoke, look up) and review queue resolutions.

Verbs only; the admin and the API call these, so a key is hashed and a review item resolved one way.
"""
import secrets
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from integrations.models import RetailStore, User, hash_api_key

from .models import ReviewItem, StorefrontKey

# A prefix tells a leaked key apart from other secrets in logs and secret scanners.
STOREFRONT_KEY_PREFIX = "cnp_sf_"


# --- storefront keys ---------------------------------------------------------------------------
def issue_key(key: StorefrontKey) -> str:
    """Give an unsaved key a fresh secret and return it in plain: only its sha256 and last 4 characters
    are kept, so this is the one moment anybody can see it."""
    plain = STOREFRONT_KEY_PREFIX + secrets.token_urlsafe(32)
    key.key_hash = hash_api_key(plain)
    key.last4 = plain[-4:]
    return plain


def create_storefront_key(store: RetailStore, name: str = "Storefront") -> tuple[StorefrontKey, str]:
    key = StorefrontKey(store=store, name=name or "Storefront")
    plain = issue_key(key)
    key.save()
    return key, plain


@transaction.atomic
def rotate_storefront_key(old: StorefrontKey) -> tuple[StorefrontKey, str]:
    """Revoke `old` and issue its replacement (same store, same name) in one transaction: the old key
    stops working the moment the new one exists."""
    revoke_storefront_key(old)
    return create_storefront_key(old.store, old.name)


def revoke_storefront_key(key: StorefrontKey) -> bool:
    """Revoke a key; False when it already was (its first revocation time is kept)."""
    now = timezone.now()
    done = StorefrontKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(revoked_at=now)
    if done:
        key.revoked_at = now
    return bool(done)


class StorefrontKeyRevoked(Exception):
    pass


def find_storefront_key(plain: str) -> StorefrontKey | None:
    """The key a caller presented, or None when no key has that hash. Raises StorefrontKeyRevoked
    for a key that existed but was revoked, so the caller can say so."""
    key = StorefrontKey.objects.select_related("store").filter(key_hash=hash_api_key(plain)).first()
    if key is not None and key.revoked_at is not None:
        raise StorefrontKeyRevoked(f"Storefront key …{key.last4} was revoked.")
    return key


# --- review queue ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Resolution:
    code: str
    label: str
    kinds: tuple[str, ...] | None  # the kinds it applies to; None: every kind but duplicate SKUs


KEEP_SEPARATE = Resolution("keep_separate", "Keep separate", (ReviewItem.Kind.DUPLICATE_SKU,))
MERGE = Resolution("merge", "Merge", (ReviewItem.Kind.DUPLICATE_SKU,))
MARK_RESOLVED = Resolution("mark_resolved", "Mark resolved", None)
RESOLUTIONS = {r.code: r for r in (KEEP_SEPARATE, MERGE, MARK_RESOLVED)}


def resolutions_for(item: ReviewItem) -> list[Resolution]:
    """What a manager may decide on this item: a duplicate SKU needs a decision (R8), not a tick."""
    if item.kind == ReviewItem.Kind.DUPLICATE_SKU:
        return [KEEP_SEPARATE, MERGE]
    return [MARK_RESOLVED]


class CannotResolve(ValueError):
    pass


def resolve_review_item(item: ReviewItem, code: str, user: User, note: str = "") -> ReviewItem:
    """Close an open review item with the manager's decision, who and when.

    Nothing is deleted or rewritten: Merge records that the records are one product for the store, and
    the products stay as synced (the POS stays the source; the next sync does not reopen a closed item
    because the constraint only covers open ones, and the ingest decides what a closed one means).
    """
    resolution = RESOLUTIONS.get(code)
    if resolution is None or resolution not in resolutions_for(item):
        allowed = ", ".join(r.label for r in resolutions_for(item))
        raise CannotResolve(f"{item.get_kind_display()} items are resolved with: {allowed}.")
    products = list(item.products.order_by("id").values_list("id", flat=True))
    text = _resolution_text(resolution, item, products, note)
    now = timezone.now()
    # Conditional update: two managers pressing at once resolve it once.
    done = ReviewItem.objects.filter(pk=item.pk, status=ReviewItem.Status.OPEN).update(
        status=ReviewItem.Status.RESOLVED, resolution=text, resolved_by=user, resolved_at=now)
    if not done:
        raise CannotResolve("This item was already resolved.")
    item.status, item.resolution, item.resolved_by, item.resolved_at = ReviewItem.Status.RESOLVED, text, user, now
    return item


def _resolution_text(resolution: Resolution, item: ReviewItem, products: list[int], note: str) -> str:
    ids = ", ".join(f"#{pk}" for pk in products) or "none"
    if resolution is KEEP_SEPARATE:
        text = f"Kept separate: products {ids} stay distinct menu items."
    elif resolution is MERGE:
        text = f"Merged: SKU {item.key} is one product; products {ids} kept as synced, nothing deleted."
    else:
        text = "Marked resolved."
    if note.strip():
        text = f"{text} Note: {note.strip()}"
    max_length = ReviewItem._meta.get_field("resolution").max_length
    return text if len(text) <= max_length else text[: max_length - 1] + "…"
