"""Alleaves: the client (client.py), the parsing of its JSON (parse.py) and its description (spec.py).
The names other code uses are exported here."""
from .client import AlleavesClient, jwt_expiry
from .parse import ItemStock, customer_from_row, parse_lab_value, product_from_row
from .spec import SPEC

__all__ = ["SPEC", "AlleavesClient", "ItemStock", "customer_from_row", "jwt_expiry", "parse_lab_value",
           "product_from_row"]
