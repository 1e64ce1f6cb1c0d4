"""Sandbox flowhub (being written)."""
from .base import SandboxVendor


class FlowhubSandbox(SandboxVendor):
    vendor = "flowhub"
    path = "flowhub/"

    def urlpatterns(self) -> list:
        return []
