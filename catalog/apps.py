from django.apps import AppConfig


class CatalogConfig(AppConfig):
    """Menu > Products: products and inventory synced from the POS, mapped for the menu."""

    name = "catalog"
    verbose_name = "Menu"
