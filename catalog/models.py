"""Models arrive with the catalog issue; see docs/ARCHITECTURE.md."""
