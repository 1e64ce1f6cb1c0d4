"""The security probe's classes (run by tests/benchmarks/probe_security.py)."""
