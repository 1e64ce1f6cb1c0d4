"""Sandbox tests use the `sandbox` and `http` fixtures of tests/conftest.py; the plain helpers one vendor's
test modules share are in <vendor>_support.py beside them."""
import pytest

# The helpers assert on the sandbox's answers: have pytest rewrite their asserts as it does a test module's, so a
# failure shows the values compared. This must run before the test modules import them, as a conftest does.
pytest.register_assert_rewrite("tests.sandbox.alleaves_support", "tests.sandbox.dutchie_support",
                               "tests.sandbox.flowhub_support")
