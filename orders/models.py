"""Models arrive with the orders issue; see docs/ARCHITECTURE.md."""
