"""Celery: a worker and beat against Redis in production.

Without REDIS_URL the settings make every task run eagerly (in the caller's process), and the
demo server runs beat's schedule in a thread (``manage.py rundemo``), so periodic jobs still fire.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "governance.settings")

app = Celery("governance")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
