"""The POS's rooms / areas for a card's pickers, without making the card page wait on the POS.

The page is drawn from what was last heard (Django's cache, keyed by the card and its credentials) and,
when nothing was heard yet, from an answer that arrives within ROOMS_WAIT seconds; otherwise the page
asks the small JSON view (admin_cards.rooms_view) itself and fills the pickers when the POS answers.
"""
import hashlib
import threading
from dataclasses import dataclass, field

from django.core.cache import cache

from .cards import quick_client
from .models import IntegrationCard
from .models.cards import CardKind
from .pos.errors import PosError
from .pos.records import ClientConfig, Room

ROOMS_WAIT = 0.7  # seconds: with the page itself, the card page answers within a second whatever the POS does
ROOMS_TTL = 600  # rooms rarely change; a new credential is a new cache key


@dataclass
class RoomsAnswer:
    ok: bool
    message: str = ""
    rooms: list[Room] = field(default_factory=list)

    def as_json(self) -> dict:
        return {"ok": self.ok, "message": self.message,
                "rooms": [{"id": str(r.id), "name": r.name, "sellable": r.sellable} for r in self.rooms]}


def _key(card: IntegrationCard, config: ClientConfig) -> str:
    # The credentials are part of the key (hashed: never stored in the cache), so new ones are asked afresh.
    names = card.spec.kinds[CardKind.ECOMMERCE].credentials
    material = "\0".join([card.vendor, config.endpoint] + [str(getattr(config, n, "")) for n in names])
    return f"canopy:pos-rooms:{card.pk}:{hashlib.sha256(material.encode()).hexdigest()[:32]}"


def _has_credentials(card: IntegrationCard | None) -> bool:
    if card is None or card.pk is None or card.kind != CardKind.ECOMMERCE:
        return False
    return all(getattr(card, name) for name in card.spec.kinds[CardKind.ECOMMERCE].required)


def cached(card: IntegrationCard | None) -> list[Room] | None:
    """The rooms last heard for the card's current credentials, or None when none were heard."""
    if not _has_credentials(card):
        return None
    return cache.get(_key(card, ClientConfig.from_card(card)))


def fetch(card: IntegrationCard, config: ClientConfig | None = None) -> RoomsAnswer:
    """Ask the POS now (quick client: one try, short timeout) and remember the answer for the page."""
    if "rooms" not in card.spec.features:
        return RoomsAnswer(True, f"{card.spec.label} has no rooms to pick.")
    config = config or ClientConfig.from_card(card)
    try:
        rooms = quick_client(card.vendor, config).list_rooms()
    except PosError as error:
        return RoomsAnswer(False, f"Could not list the POS's rooms: {error}")
    if card.pk:
        cache.set(_key(card, config), rooms, ROOMS_TTL)
    return RoomsAnswer(True, "", rooms)


def for_page(card: IntegrationCard | None) -> list[Room] | None:
    """Rooms for drawing the card page: as last heard, else whatever the POS answers within ROOMS_WAIT."""
    if not _has_credentials(card) or "rooms" not in card.spec.features:
        return None
    rooms = cached(card)
    if rooms is not None:
        return rooms
    answers: list[RoomsAnswer] = []
    # The POS is asked from a thread that only does HTTP (no database), so the page can stop waiting on it.
    worker = threading.Thread(target=lambda: answers.append(_ask(card)), daemon=True)
    worker.start()
    worker.join(ROOMS_WAIT)
    if answers and answers[0].ok:
        cache.set(_key(card, ClientConfig.from_card(card)), answers[0].rooms, ROOMS_TTL)
        return answers[0].rooms
    return None


def _ask(card: IntegrationCard) -> RoomsAnswer:
    try:
        return RoomsAnswer(True, "", quick_client(card.vendor, ClientConfig.from_card(card)).list_rooms())
    except PosError as error:
        return RoomsAnswer(False, str(error))
