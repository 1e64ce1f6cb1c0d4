"""The streams the sync engine can run, by name. Domain apps own their streams and register them here
from their AppConfig.ready() (integrations never imports them): "inventory" (catalog), later
"order_status" (orders), "customers" and "transactions" (loyalty).

A runner is called as runner(run: SyncRun, reporter: RunReporter) -> StreamOutcome and raises a
PosError for a failure the store can act on.
"""
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple

from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string


@dataclass
class StreamOutcome:
    message: str = ""  # the result in plain words
    fix: str = ""  # what to do when something needs attention
    category: str = ""  # e.g. "empty" for a feed that returned nothing usable (C10, D14)
    verification: dict = field(default_factory=dict)  # counts here vs the POS (R4)


class Stream(NamedTuple):
    runner: str  # dotted path of the runner
    kinds: tuple[str, ...]  # the card kinds it runs for
    # Dotted path of {field: label}: the words the run's page shows for the fields its entries' diffs name.
    diff_labels: str = ""


STREAMS: dict[str, Stream] = {}


def register_stream(name: str, runner_path: str, kinds: tuple[str, ...] = ("ecommerce",),
                    diff_labels: str = "") -> None:
    """Make `name` runnable. Two apps defining one name would silently swap each other's runner, so a
    second definition is refused; the same definition again is a no-op (Django may call an AppConfig's
    ready() more than once, e.g. when a test overrides INSTALLED_APPS)."""
    definition = Stream(runner_path, tuple(kinds), diff_labels)
    known = STREAMS.get(name)
    if known is not None and known != definition:
        raise ImproperlyConfigured(
            f"The sync stream {name!r} is already registered (runner {known.runner}, card kinds "
            f"{', '.join(known.kinds)}); it cannot also be {runner_path} for {', '.join(definition.kinds)}. "
            "Give the new stream a name of its own.")
    STREAMS[name] = definition


def get_runner(name: str) -> Callable:
    if name not in STREAMS:
        raise KeyError(f"No stream named {name!r}; known: {', '.join(sorted(STREAMS)) or 'none'}.")
    return import_string(STREAMS[name].runner)


def diff_labels(name: str) -> dict[str, str]:
    """The stream's labels for the fields its entries' diffs name ({} for an unknown stream or none)."""
    stream = STREAMS.get(name)
    return import_string(stream.diff_labels) if stream and stream.diff_labels else {}


def streams_for(kind: str) -> list[str]:
    return [name for name, stream in STREAMS.items() if kind in stream.kinds]
