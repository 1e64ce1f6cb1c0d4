"""Models arrive with the loyalty issue; see docs/ARCHITECTURE.md."""
