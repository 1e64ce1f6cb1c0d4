"""Alleaves: the client (client.py) and its description (spec.py)."""
from .client import *  # noqa: F403 - the client module's public names, as before it became a package
from .client import _as_list, _ItemStock  # noqa: F401 - used by tests as before
from .spec import SPEC  # noqa: F401
