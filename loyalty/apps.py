from django.apps import AppConfig


class LoyaltyConfig(AppConfig):
    """Customers: loyalty personas, audiences, discounts, points and the POS wallet API."""

    name = "loyalty"
    verbose_name = "Customers"
