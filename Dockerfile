# scarclinic as a container image: the same process types as the systemd units.
#   web:    gunicorn (the default command)
#   worker: python manage.py run_worker
# Configuration comes from the environment (docs/deploy.md); photos go to object storage
# (STORAGE_BACKEND=s3), so the container keeps no state of its own.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    DJANGO_SETTINGS_MODULE=scarclinic.config.settings \
    SCARCLINIC_HOME=/app \
    SCARCLINIC_VAR=/var/lib/scarclinic \
    PROMETHEUS_MULTIPROC_DIR=/tmp/prometheus

# DejaVu for labels and handouts; pg_dump/pg_restore (15, like the compose database) for
# manage.py backup.
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-dejavu-core postgresql-client-15 \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md manage.py ./
COPY src ./src
RUN pip install . \
    && useradd --system --uid 10001 --home-dir /app scarclinic \
    && mkdir -p /var/lib/scarclinic \
    && SECRET_KEY=build-only-key-not-used-at-run-time-000000000000000000 \
       SCARCLINIC_MANIFEST_STATIC=1 python manage.py collectstatic --noinput -v0 \
    && chown -R scarclinic:scarclinic /var/lib/scarclinic

USER scarclinic
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"
# gunicorn handles SIGTERM gracefully (requests in flight finish); so does run_worker.
STOPSIGNAL SIGTERM
CMD ["gunicorn", "-c", "python:scarclinic.ops.gunicorn_conf", "--bind", "0.0.0.0:8000", "scarclinic.config.wsgi:application"]
