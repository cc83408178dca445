#!/usr/bin/env bash
# Start the server under test as in production: DEBUG off, MFA required, secure cookies, static
# files collected and served by WhiteNoise; gunicorn with 2 workers of 4 threads on 127.0.0.1 only, as
# docs/operations/systemd/stijging.service runs it (THREADS=1 gives the 2 sync workers earlier notes
# measured, for comparison).
#
#   DATABASE_URL=postgres://stijging@127.0.0.1:55433/stijging_bench benchmarks/serve.sh
#
# The benchmark says it comes in over HTTPS (X-Forwarded-Proto, as from a TLS proxy), so none of
# the production security settings needs loosening. PORT (default 8001) picks the port; VENV the
# virtualenv (default .venv of this checkout).
set -euo pipefail
cd "$(dirname "$0")/.."
: "${DATABASE_URL:?set DATABASE_URL to the benchmark database, e.g. postgres://stijging@127.0.0.1:55433/stijging_bench}"
case "$DATABASE_URL" in
    postgres://*|postgresql://*) ;;
    *) echo "serve.sh: the benchmark server runs on PostgreSQL (SPEC §3); DATABASE_URL=$DATABASE_URL" >&2; exit 1 ;;
esac
PORT=${PORT:-8001}
export DEBUG=0
export STIJGING_REQUIRE_MFA=1
export STIJGING_DEMO=0
# A fresh random key per start: sessions from an earlier run are simply invalid, the benchmark logs in.
SECRET_KEY=${SECRET_KEY:-$(python3 -c 'import secrets; print(secrets.token_urlsafe(48))')}
export SECRET_KEY
export ALLOWED_HOSTS=127.0.0.1,localhost
export STIJGING_VAR_DIR=${STIJGING_VAR_DIR:-$PWD/var/bench}
export STATIC_ROOT=$STIJGING_VAR_DIR/static
export CONN_MAX_AGE=${CONN_MAX_AGE:-600}
export LOG_LEVEL=${LOG_LEVEL:-WARNING}
# The API pages come from one client: its rate limit must not turn the capacity workload's load into
# 429s (the limit's own cost, a cache read and write, is still measured).
export STIJGING_API_RATE=${STIJGING_API_RATE:-100000/min}
# This checkout's code, whichever checkout the virtualenv was installed from.
export PYTHONPATH="$PWD/src${PYTHONPATH:+:$PYTHONPATH}"
VENV=${VENV:-$PWD/.venv}
mkdir -p "$STIJGING_VAR_DIR"
"$VENV/bin/stijging" collectstatic --noinput --verbosity 0
THREADS=${THREADS:-4}
exec "$VENV/bin/gunicorn" stijging.wsgi --workers 2 --threads "$THREADS" --bind "127.0.0.1:$PORT" --timeout 60 --graceful-timeout 10 \
    --pid "$STIJGING_VAR_DIR/gunicorn.pid" "$@"
