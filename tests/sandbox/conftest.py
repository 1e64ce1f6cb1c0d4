"""Sandbox tests use the `sandbox` and `http` fixtures of tests/conftest.py."""
