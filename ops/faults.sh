#!/usr/bin/env bash
# Load and fault scenarios on PostgreSQL and Redis, loopback only, bounded.
#   bash ops/faults.sh [DURATION]     (default 15 s per scenario; CI passes 60)
# Uses its own PostgreSQL cluster (port 5499) and Redis (port 6399), so that
# restarting or stopping them disturbs nothing else on the machine; serves
# the demo archive with `make serve` (granian, 2 workers) on 127.0.0.1:8790.
# Writes the figures to var/ops/*.json and prints a summary.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION="${1:-15}"
PGV="$(ls /etc/postgresql | sort -n | tail -n1)"
PGPORT_OPS=5499; REDIS_PORT_OPS=6399; HTTP_PORT=8790
OUT="var/ops"; mkdir -p "$OUT"
work="$(mktemp -d)"

pg_up() { pg_ctlcluster --skip-systemctl-redirect "$PGV" opsload start; }
pg_down() { pg_ctlcluster --skip-systemctl-redirect "$PGV" opsload stop -m fast || true; }
redis_up() {
  redis-server --daemonize yes --bind 127.0.0.1 --port "$REDIS_PORT_OPS" --save "" \
    --appendonly no --dir "$work" --logfile "$work/redis.log"
  for _ in $(seq 1 30); do redis-cli -p "$REDIS_PORT_OPS" ping >/dev/null 2>&1 && return; sleep 0.2; done
}
serve_pid=""
cleanup() {
  [ -n "$serve_pid" ] && { pkill -TERM -P "$serve_pid" 2>/dev/null || true; wait "$serve_pid" 2>/dev/null || true; }
  redis-cli -p "$REDIS_PORT_OPS" shutdown nosave >/dev/null 2>&1 || true
  pg_down
  pg_dropcluster --stop "$PGV" opsload >/dev/null 2>&1 || true
}
trap cleanup EXIT

# --- services of our own --------------------------------------------------------
pg_dropcluster --stop "$PGV" opsload >/dev/null 2>&1 || true
pg_createcluster "$PGV" opsload --port "$PGPORT_OPS" -- --auth-local=trust --auth-host=trust >/dev/null
pg_up
for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p "$PGPORT_OPS" && break; sleep 0.5; done
psql -h 127.0.0.1 -p "$PGPORT_OPS" -U postgres -q -c "CREATE DATABASE cms_ops" >/dev/null
redis_up

export CMS_VAR_DIR="$work" STATIC_ROOT="$work/static" MEDIA_ROOT="$work/media" \
  SECRET_KEY="ops-$(head -c 48 /dev/urandom | base64 | tr -d '/+=')" \
  ALLOWED_HOSTS=127.0.0.1 SITE_URL="http://127.0.0.1:$HTTP_PORT" \
  DATABASE_URL="postgres://postgres@127.0.0.1:$PGPORT_OPS/cms_ops" \
  CACHE_URL="redis://127.0.0.1:$REDIS_PORT_OPS/0" \
  API_THROTTLE_ANON=100000000/minute API_THROTTLE_USER=100000000/minute \
  LOG_LEVEL=WARNING DJANGO_SETTINGS_MODULE=cms.settings
.venv/bin/python manage.py migrate --no-input -v0
.venv/bin/python manage.py load_demo >/dev/null
.venv/bin/python manage.py ensure_editor >/dev/null
token="$(.venv/bin/python manage.py create_api_token editor | tail -n1)"

make serve PORT="$HTTP_PORT" WORKERS=2 MIGRATE=0 > "$work/serve.log" 2>&1 &
serve_pid=$!
for _ in $(seq 1 90); do curl -fsS "http://127.0.0.1:$HTTP_PORT/healthz" >/dev/null 2>&1 && break; sleep 1; done
curl -fsS "http://127.0.0.1:$HTTP_PORT/readyz"; echo

load() {
  .venv/bin/python ops/loadtest.py --base-url "http://127.0.0.1:$HTTP_PORT" --token "$token" \
    --duration "$DURATION" --connections 32 "$@"
}
status=0
echo "== mixed load: ${DURATION}s at 32 connections"
load --json "$OUT/mixed.json" || status=1
echo "== PostgreSQL restarted in the middle of the load"
load --fault pg-restart --json "$OUT/pg-restart.json" \
  --pg-restart-cmd "sh -c 'pg_ctlcluster --skip-systemctl-redirect $PGV opsload stop -m fast; sleep 5; pg_ctlcluster --skip-systemctl-redirect $PGV opsload start'" \
  || status=1
echo "== Redis stopped in the middle of the load"
load --fault redis-stop --json "$OUT/redis-stop.json" \
  --redis-stop-cmd "redis-cli -p $REDIS_PORT_OPS shutdown nosave" \
  --redis-start-cmd "redis-server --daemonize yes --bind 127.0.0.1 --port $REDIS_PORT_OPS --save '' --appendonly no --dir $work --logfile $work/redis.log" \
  || status=1
if [ "$status" != 0 ]; then
  # What the server logged, counted by message: its JSON lines would be
  # filtered out of CI's output, and the last 30 say little about a minute.
  .venv/bin/python - "$work/serve.log" <<'PY'
import collections, json, sys
seen = collections.Counter()
first = {}
for line in open(sys.argv[1], errors="replace"):
    try:
        entry = json.loads(line)
    except ValueError:
        continue
    if entry.get("level") in ("WARNING", "ERROR", "CRITICAL"):
        key = f'{entry.get("logger")}: {str(entry.get("message", ""))[:160]}'
        seen[key] += 1
        first.setdefault(key, entry.get("time", "")[11:19])
print("server log, warnings and errors by message (count, first seen):")
for key, count in seen.most_common(15):
    print(f"  {count:6d}  {first[key]}  {key}")
PY
fi
exit "$status"
