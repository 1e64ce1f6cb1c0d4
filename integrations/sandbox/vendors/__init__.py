"""The sandbox's vendors, by key. An explicit registry: no registration by import side effect."""
from .alleaves import AlleavesSandbox
from .base import SandboxVendor
from .dutchie import DutchieSandbox
from .flowhub import FlowhubSandbox

VENDORS: dict[str, SandboxVendor] = {cls.vendor: cls() for cls in (DutchieSandbox, AlleavesSandbox, FlowhubSandbox)}
