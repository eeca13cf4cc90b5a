#!/usr/bin/env bash
# Data subject rights benchmark: a release build of trohet on SQLite.
#
# Usage:
#   bench/privacy.sh [--no-build]
#
# Environment (optional): ROWS=100000 (rows about the person), DELIVERIES=5000 (security
# event tokens queued for the delivery run).
#
# Measures, against a running server (as the DPO's back-end calls it):
#   - the export of a person with ROWS audit events and consent decisions, and of a person
#     with 1% of that, downloaded through the API, and the server's peak memory after each
#     (flat memory: about equal); also the whole `trohet person export` command;
#   - the erasure of the person with ROWS rows, through the API;
#   - security event tokens delivered per second by the outbox to a receiver on loopback.
# Prints a markdown table and writes it to bench/results/privacy.md.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$(pwd)
BENCH="$ROOT/bench"
BIN="$ROOT/target/release/trohet"
ROWS=${ROWS:-100000}
DELIVERIES=${DELIVERIES:-5000}
[[ ${1:-} == --no-build ]] || cargo build --release --quiet
command -v jq >/dev/null || { apt-get install -y jq >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y jq >/dev/null; }; }
command -v sqlite3 >/dev/null || { apt-get install -y sqlite3 >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y sqlite3 >/dev/null; }; }

WORK=$(mktemp -d -t trohet-privacy.XXXXXX)
SERVER_PID=""
RECEIVER_PID=""
cleanup() {
  for pid in $SERVER_PID $RECEIVER_PID; do kill "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT
DATA="$WORK/data"
mkdir -p "$DATA"
cli() { "$BIN" --data-dir "$DATA" --policies-dir "$ROOT/policies" --json "$@"; }
say() { printf '==> %s\n' "$*" >&2; }

# Wall seconds and peak RSS (MiB) of a command, as "seconds mib".
measure() {
  local out="$WORK/time.txt"
  /usr/bin/time -f '%e %M' -o "$out" "$@" >/dev/null
  awk '{ printf "%.2f %.0f\n", $1, $2 / 1024 }' "$out"
}
[[ -x /usr/bin/time ]] || { apt-get install -y time >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y time >/dev/null; }; }

cli migrate >/dev/null
CUSTOMER=$(cli customer add --name "Privacy Bench AB" | jq -er .id)
person() {
  echo "bench-password-2026" | cli person add --email "$1" --name "$2" --customer "$CUSTOMER" \
    --role member --password-stdin | jq -er .id
}
BIG=$(person big@example.com "Many Rows")
SMALL=$(person small@example.com "Few Rows")
# Records the purposes' versions, as the server does at start.
cli consent show --person "$BIG" >/dev/null
say "giving one person $ROWS rows and another $((ROWS / 100))"
python3 "$BENCH/privacy_rows.py" "$DATA/trohet.db" "$BIG" "$ROWS"
python3 "$BENCH/privacy_rows.py" "$DATA/trohet.db" "$SMALL" "$((ROWS / 100))"

say "exporting with the CLI"
read -r CLI_S CLI_MIB < <(measure "$BIN" --data-dir "$DATA" --policies-dir "$ROOT/policies" \
  person export --person "$BIG" --output "$WORK/cli.zip")

say "starting the server"
COUNT_FILE="$WORK/received"
echo 0 >"$COUNT_FILE"
python3 "$BENCH/receiver.py" "$COUNT_FILE" >"$WORK/receiver.port" &
RECEIVER_PID=$!
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
BASE="http://127.0.0.1:$PORT"
DPO_JSON=$(cli client add --name dpo-backend --grant-type client_credentials --role dpo)
"$BIN" --data-dir "$DATA" --policies-dir "$ROOT/policies" serve --listen "127.0.0.1:$PORT" \
  >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 100); do curl -sf "$BASE/readyz" >/dev/null && break; sleep 0.1; done
TOKEN=$(curl -sf -u "$(jq -er .client_id <<<"$DPO_JSON"):$(jq -er .client_secret <<<"$DPO_JSON")" \
  -d grant_type=client_credentials "$BASE/token" | jq -er .access_token)
hwm() { awk '/VmHWM/ { printf "%.0f", $2 / 1024 }' "/proc/$SERVER_PID/status"; }
# An export through the API, as the DPO downloads it: seconds for the whole download.
export_seconds() {
  local request
  request=$(curl -sf -X POST -H "Authorization: Bearer $TOKEN" "$BASE/api/v1/persons/$1/exports" | jq -er .download)
  curl -sf -o "$WORK/$2.zip" -w '%{time_total}' -H "Authorization: Bearer $TOKEN" "$BASE$request"
}
say "exporting through the API"
export_seconds "$SMALL" small >/dev/null
IDLE_MIB=$(hwm)
SMALL_S=$(export_seconds "$SMALL" small)
SMALL_MIB=$(hwm)
BIG_S=$(export_seconds "$BIG" big)
BIG_MIB=$(hwm)
BIG_ZIP_KB=$(( $(stat -c %s "$WORK/big.zip") / 1024 ))
ENTRIES=$(python3 -c "import json,sys,zipfile; d=json.load(zipfile.ZipFile(sys.argv[1]).open('data.json')); print(len(d['audit_events']) + len(d['consent_ledger']))" "$WORK/big.zip")

say "erasing through the API"
ERASE_S=$(curl -sf -o /dev/null -w '%{time_total}' -X POST -H "Authorization: Bearer $TOKEN" \
  "$BASE/api/v1/persons/$BIG/erasure")
cli audit verify >/dev/null || { echo "the audit chain does not verify after erasure" >&2; exit 1; }

say "delivering $DELIVERIES security event tokens"
for _ in $(seq 50); do [[ -s $WORK/receiver.port ]] && break; sleep 0.1; done
RECEIVER_PORT=$(cat "$WORK/receiver.port")
python3 - "$DATA/trohet.db" "$DELIVERIES" "http://127.0.0.1:$RECEIVER_PORT/events" <<'PY'
import json, sqlite3, sys, time, uuid
db = sqlite3.connect(sys.argv[1])
now = int(time.time())
payload = json.dumps({"uri": sys.argv[3], "token": "eyJ" + "x" * 600})
db.executemany(
    "insert into outbox (outbox_id, kind, payload, created_at, next_attempt_at, attempts, client_id) "
    "values (?, 'security_event', ?, ?, ?, 0, 'bench')",
    [(str(uuid.uuid4()), payload, now, now) for _ in range(int(sys.argv[2]))])
db.commit()
PY
START=$(date +%s.%N)
while :; do
  LEFT=$(sqlite3 "$DATA/trohet.db" "select count(*) from outbox where kind = 'security_event' and delivered_at is null")
  [[ $LEFT == 0 ]] && break
  kill -0 "$SERVER_PID" || { cat "$WORK/server.log" >&2; exit 1; }
  sleep 0.1
done
END=$(date +%s.%N)
PER_SECOND=$(awk -v n="$DELIVERIES" -v a="$START" -v b="$END" 'BEGIN { printf "%.0f", n / (b - a) }')

mkdir -p "$BENCH/results"
{
  echo "| measure | result | target |"
  echo "|---|---|---|"
  echo "| export through the API, $ROWS rows ($ENTRIES in data.json, zip ${BIG_ZIP_KB} KiB) | ${BIG_S} s | < 1 s |"
  echo "| export through the API, $((ROWS / 100)) rows | ${SMALL_S} s | |"
  echo "| server peak memory: after start and one small export / after the small / after the big | ${IDLE_MIB} / ${SMALL_MIB} / ${BIG_MIB} MiB | flat |"
  echo "| \`trohet person export\`, $ROWS rows, whole command | ${CLI_S} s, peak ${CLI_MIB} MiB | |"
  echo "| erasure through the API, person with $ROWS rows | ${ERASE_S} s | < 2 s |"
  echo "| security event tokens delivered (batches of 32, loopback receiver) | ${PER_SECOND}/s, $DELIVERIES in all | |"
  echo
  echo "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) CPUs, $(uname -r), commit $(git rev-parse --short HEAD)"
} | tee "$BENCH/results/privacy.md"
