"""The streams the sync engine can run, by name. Domain apps own their streams and register them here
from their AppConfig.ready() (integrations never imports them): "inventory" (catalog), later
"order_status" (orders), "customers" and "transactions" (loyalty).

A runner is called as runner(run: SyncRun, reporter: RunReporter) -> StreamOutcome and raises a
PosError for a failure the store can act on.
"""
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string


@dataclass
class StreamOutcome:
    message: str = ""  # the result in plain words
    fix: str = ""  # what to do when something needs attention
    category: str = ""  # e.g. "empty" for a feed that returned nothing usable (C10, D14)
    verification: dict = field(default_factory=dict)  # counts here vs the POS (R4)


# name -> (dotted path of the runner, which card kinds it applies to)
STREAMS: dict[str, tuple[str, tuple[str, ...]]] = {}


def register_stream(name: str, runner_path: str, kinds: tuple[str, ...] = ("ecommerce",)) -> None:
    """Make `name` runnable. Two apps defining one name would silently swap each other's runner, so a
    second definition is refused; the same definition again is a no-op (Django may call an AppConfig's
    ready() more than once, e.g. when a test overrides INSTALLED_APPS)."""
    definition = (runner_path, tuple(kinds))
    known = STREAMS.get(name)
    if known is not None and known != definition:
        raise ImproperlyConfigured(
            f"The sync stream {name!r} is already registered (runner {known[0]}, card kinds {', '.join(known[1])}); "
            f"it cannot also be {runner_path} for {', '.join(definition[1])}. Give the new stream a name of its own.")
    STREAMS[name] = definition


def get_runner(name: str) -> Callable:
    if name not in STREAMS:
        raise KeyError(f"No stream named {name!r}; known: {', '.join(sorted(STREAMS)) or 'none'}.")
    return import_string(STREAMS[name][0])


def streams_for(kind: str) -> list[str]:
    return [name for name, (_, kinds) in STREAMS.items() if kind in kinds]
