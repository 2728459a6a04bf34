"""gunicorn.conf.py: what each web worker does once it has loaded the application."""

import gc
import runpy
import sys
from pathlib import Path

import pytest

CONF = Path(__file__).resolve().parents[2] / "gunicorn.conf.py"


@pytest.fixture
def unfrozen():
    gc.unfreeze()
    yield
    gc.unfreeze()  # the rest of the test run collects as usual


def test_a_worker_loads_the_views_and_catalogues_then_freezes_what_it_holds(unfrozen):
    hook = runpy.run_path(str(CONF))["post_worker_init"]
    assert gc.get_freeze_count() == 0

    hook(None)

    assert gc.get_freeze_count() > 50_000  # the application's objects, not a handful
    assert "governance.issues.views" in sys.modules
