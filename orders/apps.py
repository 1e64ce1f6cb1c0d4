from django.apps import AppConfig


class OrdersConfig(AppConfig):
    """Manage > Orders: confirmed orders pushed to the POS, their holds and statuses."""

    name = "orders"
    verbose_name = "Manage"
