"""What the tests run against."""
import os

import pytest

import fastnn


@pytest.mark.skipif(
    not os.environ.get("FASTNN_REQUIRE_INSTALLED"),
    reason="set FASTNN_REQUIRE_INSTALLED=1 to require an installed fastnn (CI's wheel stage)",
)
def test_the_installed_package_is_under_test():
    # CI's wheel stage runs the suite from outside the checkout; an import of the
    # source folder there would mean the wheel was never tested.
    assert "site-packages" in fastnn.__file__, fastnn.__file__
    assert fastnn.__version__ != "0+unknown"
