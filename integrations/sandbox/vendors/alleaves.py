"""Sandbox alleaves (being written)."""
from .base import SandboxVendor


class AlleavesSandbox(SandboxVendor):
    vendor = "alleaves"
    path = "alleaves/"

    def urlpatterns(self) -> list:
        return []
