"""Reading and writing the values every vendor's JSON carries: numbers, dates, times, quantities.

Shared by the vendors' parse.py modules (and their clients, for the dates they send). Pure functions:
a value the POS wrote badly gives None, never an exception, so one malformed field never stops a feed
(catalog flags the record from its raw JSON instead).
"""
from datetime import UTC, date, datetime
from typing import Any, Literal

Timespec = Literal["auto", "seconds", "milliseconds"]


def number(value: Any) -> float | None:
    """A number, or None when there is none to read: a text "12" is read, "twelve" or "12 units" is not.
    True/False are not numbers here (JSON booleans would otherwise read as 1 and 0)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return None
    return None


def parse_datetime(value: Any) -> datetime | None:
    """An ISO 8601 date-time ("2026-01-10T21:58:10.280Z", "2025-01-01T00:00:00"); one without an offset is
    UTC (all three vendors' API times are UTC). None for anything else."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def parse_date(value: Any) -> date | None:
    """The date of an ISO 8601 date or date-time (a birth date "1990-04-20T00:00:00" -> 1990-04-20)."""
    if not isinstance(value, str) or not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def aware(when: datetime) -> datetime:
    """`when` with a time zone: a naive datetime is taken as UTC."""
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def iso_utc(when: datetime, timespec: Timespec = "auto") -> str:
    """ISO 8601 in UTC ending in "Z". Each vendor's precision differs, so the caller names it: Dutchie
    "milliseconds" (a range ending now must not drop what changed earlier in the same second), Flowhub
    "seconds" (its documented form), Alleaves "auto" (microseconds only when there are any)."""
    return aware(when).astimezone(UTC).isoformat(timespec=timespec).replace("+00:00", "Z")


def whole(quantity: float) -> int | float:
    """A quantity as the POS wants it in an order: 2 rather than 2.0, 3.5 as it is."""
    return int(quantity) if float(quantity).is_integer() else float(quantity)
