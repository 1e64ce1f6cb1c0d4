from django.apps import AppConfig


class SandboxConfig(AppConfig):
    """The sandbox POS (X1): Dutchie, Alleaves and Flowhub simulators served by this same site."""

    name = "integrations.sandbox"
    label = "sandbox"
    verbose_name = "Sandbox POS"
