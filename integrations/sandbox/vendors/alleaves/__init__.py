"""Sandbox Alleaves POS (being split into render and views)."""
from .views import ERRORS, TIER_KEYS, AlleavesSandbox, issue_token, make_jwt

__all__ = ["ERRORS", "TIER_KEYS", "AlleavesSandbox", "issue_token", "make_jwt"]
