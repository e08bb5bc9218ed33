#!/usr/bin/env bash
# Load test on loopback: 50 users for $SECONDS_TO_RUN (default 120) against gunicorn on
# PostgreSQL with the demo clinic. Prints locust's table (requests/s, p50/p95, failures).
# Needs the bench extra: .venv/bin/pip install -e '.[bench]'
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_TO_RUN="${SECONDS_TO_RUN:-120}"
USERS="${USERS:-50}"
PORT="${PORT:-8765}"
BIN="${VENV_BIN:-.venv/bin}"
DB=scarclinic_load
psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS $DB" -qc "CREATE DATABASE $DB"
# The second factor is tested on its own (accounts/tests); here the pages themselves are measured.
export DATABASE_URL="postgres://postgres@127.0.0.1:5432/$DB" DEBUG=0 AXES_FAILURE_LIMIT=1000 CONN_MAX_AGE=60 REQUIRE_STAFF_2FA=0
"$BIN"/python manage.py migrate -v0
"$BIN"/python manage.py seed_demo --patients 2000 >/dev/null
"$BIN"/gunicorn scarclinic.config.wsgi:application --bind "127.0.0.1:$PORT" \
  --workers 2 --threads 8 --timeout 60 --log-level warning --pythonpath src &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null' EXIT
for _ in $(seq 1 50); do curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.3; done
"$BIN"/locust -f bench/locustfile.py --headless -u "$USERS" -r 10 -t "${SECONDS_TO_RUN}s" \
  --host "http://127.0.0.1:$PORT" --only-summary 2>&1 | tail -40
