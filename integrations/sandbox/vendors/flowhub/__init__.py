"""Sandbox Flowhub POS (being split into render and views)."""
from .views import ERRORS, FlowhubSandbox

__all__ = ["ERRORS", "FlowhubSandbox"]
