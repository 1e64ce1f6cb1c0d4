"""Dutchie POS: the client (client.py) with its HTTP specifics (http.py) and Test Connection checks
(connection.py), the parsing of its JSON (parse.py), its /inventory packages merged per product
(packages.py) and its description (spec.py). The names other code uses are exported here."""
from .client import CONSUMER_KEY, DutchieClient
from .http import DutchieHttp, limit_for
from .parse import customer_from_record, is_terpene, iso, product_from_detail, product_from_inventory
from .spec import SPEC

__all__ = ["CONSUMER_KEY", "SPEC", "DutchieClient", "DutchieHttp", "customer_from_record", "is_terpene", "iso",
           "limit_for", "product_from_detail", "product_from_inventory"]
