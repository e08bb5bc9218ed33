#!/usr/bin/env bash
# A long Schemathesis run over every API operation (make test runs 6 examples each).
# Usage: bench/api_fuzz.sh [examples per operation, default 300]
set -euo pipefail
cd "$(dirname "$0")/.."
SCHEMATHESIS_EXAMPLES="${1:-300}" DATABASE_URL="${DATABASE_URL:-sqlite:///var/fuzz.sqlite3}" \
  .venv/bin/pytest -q -p no:xdist tests/api_fuzz
