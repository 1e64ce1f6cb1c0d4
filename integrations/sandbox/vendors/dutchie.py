"""Sandbox dutchie (being written)."""
from .base import SandboxVendor


class DutchieSandbox(SandboxVendor):
    vendor = "dutchie"
    path = "dutchie/"

    def urlpatterns(self) -> list:
        return []
