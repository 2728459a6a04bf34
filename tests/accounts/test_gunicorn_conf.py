"""gunicorn.conf.py: what each web worker does once it has loaded the application."""

import gc
import runpy
from pathlib import Path

import pytest

CONF = Path(__file__).resolve().parents[2] / "gunicorn.conf.py"


@pytest.fixture
def unfrozen():
    gc.unfreeze()
    yield
    gc.unfreeze()  # the rest of the test run collects as usual


def test_a_worker_loads_the_url_patterns_and_catalogues_then_freezes_what_it_holds(unfrozen, settings):
    from django.urls import clear_url_caches, get_resolver
    from django.utils.translation import trans_real

    hook = runpy.run_path(str(CONF))["post_worker_init"]
    # As a new worker has them: no URL resolver built, no catalogue loaded (earlier tests did both).
    clear_url_caches()
    trans_real._translations = {}
    assert gc.get_freeze_count() == 0

    hook(None)

    assert "url_patterns" in get_resolver().__dict__  # read, so every view module is imported
    assert {code for code, _name in settings.LANGUAGES} <= set(trans_real._translations)
    assert gc.get_freeze_count() > 50_000  # the application's objects, not a handful
