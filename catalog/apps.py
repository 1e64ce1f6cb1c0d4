from django.apps import AppConfig


class CatalogConfig(AppConfig):
    """Menu > Products: products and inventory synced from the POS, mapped for the menu."""

    name = "catalog"
    verbose_name = "Menu"

    def ready(self) -> None:
        from integrations.streams import register_stream

        # The sync engine runs this stream by name; integrations never imports catalog.
        register_stream("inventory", "catalog.sync.run_inventory_stream", kinds=("ecommerce",),
                        diff_labels="catalog.diffs.DIFF_LABELS")
