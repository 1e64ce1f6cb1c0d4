"""Flowhub Maui: the client (client.py), the parsing of its JSON (parse.py) and its description (spec.py).
The names other code uses are exported here."""
from .client import AUTH0_BASE, REQUESTS_PER_MINUTE, FlowhubClient, FlowhubLimiter, token_base_url
from .parse import customer_from_record, product_from_item, transaction_from_sale
from .spec import SPEC

__all__ = ["AUTH0_BASE", "REQUESTS_PER_MINUTE", "SPEC", "FlowhubClient", "FlowhubLimiter", "customer_from_record",
           "product_from_item", "token_base_url", "transaction_from_sale"]
