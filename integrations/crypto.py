"""Credentials at rest: Fernet with rotation (cryptography's MultiFernet).

FIELD_ENCRYPTION_KEY holds one or more keys, newest first. Values are encrypted with the newest and
any listed key decrypts, so a key is rotated by putting the new one first and running
`manage.py rotate_credentials` before the old one is removed.
"""
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


@cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    try:
        return MultiFernet([Fernet(key.encode()) for key in keys])
    except (ValueError, TypeError) as error:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEY must be one or more Fernet keys (urlsafe base64 of 32 bytes), comma-separated."
        ) from error


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.FIELD_ENCRYPTION_KEYS))


def encrypt(value: str) -> str:
    return fernet().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return fernet().decrypt(token.encode()).decode()
    except InvalidToken as error:
        # Never include the token or the value: only say what to do.
        raise ImproperlyConfigured(
            "A stored credential cannot be decrypted with FIELD_ENCRYPTION_KEY: the key that encrypted it "
            "is missing from the list."
        ) from error


def rotate(token: str) -> str:
    """Re-encrypt with the newest key."""
    return fernet().rotate(token.encode()).decode()


def mask(value: str | None) -> str:
    """What lists and forms show of a secret: its last 4 characters."""
    if not value:
        return ""
    return "•" * 4 + value[-4:] if len(value) > 4 else "•" * 4
