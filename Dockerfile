# Linli web/worker image. One image serves every role (see docker-compose.yml):
#   web     gunicorn governance.wsgi:application   (the default CMD)
#   worker  celery -A governance worker -l info
#   beat    celery -A governance beat -l info -s /tmp/celerybeat-schedule
FROM python:3.11-slim-bookworm

ARG UV_VERSION=0.13.9

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    UV_NO_CACHE=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH \
    LINLI_VAR_DIR=/data \
    MEDIA_ROOT=/data/media

# Exactly the hashed, pinned set in requirements.lock (uv pip sync; no uv.lock anywhere).
RUN pip install "uv==${UV_VERSION}"
COPY requirements.lock /tmp/requirements.lock
RUN uv venv --python /usr/local/bin/python /opt/venv \
 && uv pip sync --python /opt/venv/bin/python --require-hashes /tmp/requirements.lock \
 && rm /tmp/requirements.lock

WORKDIR /app
COPY . /app

# Static files are collected into the image (whitenoise serves them); the key is for this step only.
RUN DEBUG=0 SECRET_KEY=build-only python manage.py collectstatic --noinput

# The code stays root-owned and read-only to the app; only /data (SQLite fallback, media) is writable.
RUN groupadd --system --gid 10001 linli \
 && useradd --system --uid 10001 --gid linli --home-dir /app --no-create-home --shell /usr/sbin/nologin linli \
 && mkdir -p /data/media \
 && chown -R linli:linli /data
USER linli

EXPOSE 8000

# /healthz answers 200 when the database (and Redis, if configured) answers. The request names the
# first ALLOWED_HOSTS entry and says it came over TLS (honoured only with BEHIND_TLS_PROXY=1), so
# the host check and the HTTPS redirect do not get in its way.
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; h = (os.environ.get('ALLOWED_HOSTS') or 'localhost').split(',')[0].strip().lstrip('.'); h = 'localhost' if (not h or '*' in h) else h; urllib.request.urlopen(urllib.request.Request('http://127.0.0.1:8000/healthz', headers={'Host': h, 'X-Forwarded-Proto': 'https'}), timeout=8)"]

CMD ["sh", "-c", "exec gunicorn governance.wsgi:application --bind 0.0.0.0:8000 --workers ${WEB_CONCURRENCY:-2} --access-logfile -"]
