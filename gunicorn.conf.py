"""gunicorn's settings for Linli, read from the working directory it starts in (the image's /app,
bench/run's checkout). The command line (Dockerfile, docker-compose.yml) still sets the workers."""

import gc


def post_worker_init(worker):
    """Load what every request uses, then move it out of the garbage collector's way.

    A worker holds a few hundred thousand long-lived objects (Django, the apps' modules, the URL
    patterns, the translation catalogues). Python's full collections walk all of them: on the
    city-scale benchmark's queue page one in a few hundred requests paused 66-105 ms for it.
    ``gc.freeze()`` puts the objects alive now in a generation no collection walks; what requests
    allocate is collected as before. Measured in-process (bench/README.md, eighth round): full
    collections 0.18 -> 0.02 ms a request on average, the longest 92 -> 4 ms.
    """
    from django.conf import settings
    from django.urls import get_resolver
    from django.utils import translation

    _patterns = get_resolver().url_patterns  # reading them imports every view module
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            translation.gettext("Linli")  # loads the language's catalogue
    gc.collect()
    gc.freeze()
