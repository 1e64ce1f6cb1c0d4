"""Sandbox Dutchie POS (being split into render and views)."""
from .views import ERRORS, DutchieSandbox

__all__ = ["ERRORS", "DutchieSandbox"]
