#!/usr/bin/env bash
# Customer health analytics benchmark: a release build of trohet on SQLite.
#
# Usage:
#   bench/analytics.sh [--no-build]
#
# Environment (optional): PEOPLE=200 (consenting people the ingest run sends events about),
# SECONDS_INGEST=25, WORKERS=8 (concurrent senders), CUSTOMERS=1000, PER_CUSTOMER=25 and
# MONTHS=12 (the history `trohet demo generate` makes for the reports: about 10 million
# events), REPORTS=50, PORTFOLIOS=20.
#
# Measures, against a running server:
#   - ingest: batches of 1,000 mixed events POSTed to /api/v1/events by WORKERS threads
#     for SECONDS_INGEST seconds (every event a new idempotency key, every person
#     consenting), in events per second;
#   - the time `trohet demo generate` takes to write the history, and the store's size;
#   - one customer account's 12-month health report (GET /api/v1/customers/{id}/health)
#     over 10 accounts in turn, and the portfolio of every account (GET /api/v1/health):
#     p50 and p95.
# Prints a markdown table and writes it to bench/results/analytics.md.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$(pwd)
BENCH="$ROOT/bench"
BIN="$ROOT/target/release/trohet"
PEOPLE=${PEOPLE:-200}
SECONDS_INGEST=${SECONDS_INGEST:-25}
WORKERS=${WORKERS:-8}
CUSTOMERS=${CUSTOMERS:-1000}
PER_CUSTOMER=${PER_CUSTOMER:-25}
MONTHS=${MONTHS:-12}
REPORTS=${REPORTS:-50}
PORTFOLIOS=${PORTFOLIOS:-20}
[[ ${1:-} == --no-build ]] || cargo build --release --quiet
command -v jq >/dev/null || { apt-get install -y jq >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y jq >/dev/null; }; }
command -v sqlite3 >/dev/null || { apt-get install -y sqlite3 >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y sqlite3 >/dev/null; }; }

WORK=$(mktemp -d -t trohet-analytics.XXXXXX)
SERVER_PID=""
cleanup() {
  [[ -z $SERVER_PID ]] || kill "$SERVER_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
say() { printf '==> %s\n' "$*" >&2; }

# Starts the server on DATA and prints nothing; BASE is where it listens.
start_server() {
  local data=$1
  PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  BASE="http://127.0.0.1:$PORT"
  "$BIN" --data-dir "$data" --policies-dir "$ROOT/policies" serve --listen "127.0.0.1:$PORT" \
    >"$WORK/server.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 100); do curl -sf "$BASE/readyz" >/dev/null && return; sleep 0.1; done
  cat "$WORK/server.log" >&2
  exit 1
}
stop_server() { kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""; }
# A client_credentials token of a client made with `trohet client add ARGS...`.
token() {
  local data=$1 client
  shift
  client=$("$BIN" --data-dir "$data" --policies-dir "$ROOT/policies" --json client add \
    --name "bench-$RANDOM" --grant-type client_credentials "$@")
  curl -sf -u "$(jq -er .client_id <<<"$client"):$(jq -er .client_secret <<<"$client")" \
    -d grant_type=client_credentials ${SCOPE:+-d scope=$SCOPE} "$BASE/token" | jq -er .access_token
}

# --- ingest ------------------------------------------------------------------------------
INGEST="$WORK/ingest"
mkdir -p "$INGEST"
cli() { "$BIN" --data-dir "$INGEST" --policies-dir "$ROOT/policies" --json "$@"; }
cli migrate >/dev/null
for n in 1 2 3 4; do cli customer add --name "Ingest Bench $n AB" | jq -er .id; done >"$WORK/customers"
start_server "$INGEST"
say "seeding $PEOPLE consenting people through the admin API"
STAFF=$(token "$INGEST" --role admin --role dpo)
python3 "$BENCH/analytics_load.py" seed "$BASE" "$STAFF" "$WORK/customers" "$PEOPLE" "$WORK/people"
WRITER=$(SCOPE=analytics:write token "$INGEST" --scope analytics:write)
say "sending batches of 1,000 events from $WORKERS threads for $SECONDS_INGEST s"
read -r ACCEPTED INGEST_S BATCHES BATCH_P50 BATCH_P95 < <(python3 "$BENCH/analytics_load.py" ingest \
  "$BASE" "$WRITER" "$WORK/people" "$SECONDS_INGEST" "$WORKERS")
PER_SECOND=$(awk -v n="$ACCEPTED" -v s="$INGEST_S" 'BEGIN { printf "%.0f", n / s }')
STORED=$(sqlite3 "$INGEST/trohet.db" "select count(*) from analytics_event" 2>/dev/null || echo "?")
stop_server

# --- reports over the generated history --------------------------------------------------
REPORT="$WORK/report"
mkdir -p "$REPORT"
"$BIN" --data-dir "$REPORT" --policies-dir "$ROOT/policies" migrate >/dev/null
say "generating $CUSTOMERS accounts of about $PER_CUSTOMER people over $MONTHS months"
GENERATED=$("$BIN" --data-dir "$REPORT" --policies-dir "$ROOT/policies" --json demo generate \
  --customers "$CUSTOMERS" --people "$PER_CUSTOMER" --months "$MONTHS" 2>"$WORK/generate.log")
EVENTS=$(jq -er .events <<<"$GENERATED")
GEN_S=$(jq -er '.seconds | . * 10 | round / 10' <<<"$GENERATED")
GEN_RATE=$(jq -er '.events_per_second | round' <<<"$GENERATED")
STORE_MB=$(du -cm "$REPORT"/trohet.db* | awk 'END { print $1 }')
start_server "$REPORT"
READER=$(token "$REPORT" --role customer-success)
mapfile -t IDS < <(jq -er '.customer_ids[]' <<<"$GENERATED" | awk 'NR % 97 == 1' | head -10)
PATHS=()
for id in "${IDS[@]}"; do PATHS+=("/api/v1/customers/$id/health"); done
say "timing $REPORTS health reports and $PORTFOLIOS portfolios"
read -r REPORT_P50 REPORT_P95 REPORT_MAX < <(python3 "$BENCH/analytics_load.py" latency \
  "$BASE" "$READER" "$REPORTS" "${PATHS[@]}")
read -r FOLIO_P50 FOLIO_P95 FOLIO_MAX < <(python3 "$BENCH/analytics_load.py" latency \
  "$BASE" "$READER" "$PORTFOLIOS" /api/v1/health)
ACCOUNTS=$(curl -sf -H "Authorization: Bearer $READER" "$BASE/api/v1/health" | jq '.accounts | length')
stop_server

mkdir -p "$BENCH/results"
{
  echo "| measure | result | target |"
  echo "|---|---|---|"
  echo "| ingest, batches of 1,000 mixed events, $WORKERS senders, $PEOPLE people ($BATCHES batches in ${INGEST_S} s, $STORED stored; batch p50 ${BATCH_P50} ms, p95 ${BATCH_P95} ms) | ${PER_SECOND} events/s | ≥ 50,000 |"
  echo "| \`trohet demo generate\`: $CUSTOMERS accounts, $(jq -er .people <<<"$GENERATED") people, $EVENTS events | ${GEN_S} s (${GEN_RATE} events/s), store ${STORE_MB} MB | |"
  echo "| one account's health, 12 months, $REPORTS requests over ${#IDS[@]} accounts: p50 / p95 / max | ${REPORT_P50} / ${REPORT_P95} / ${REPORT_MAX} ms | < 100 ms |"
  echo "| portfolio of $ACCOUNTS accounts, $PORTFOLIOS requests: p50 / p95 / max | ${FOLIO_P50} / ${FOLIO_P95} / ${FOLIO_MAX} ms | < 500 ms |"
  echo
  echo "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) CPUs, $(uname -r), commit $(git rev-parse --short HEAD)"
} | tee "$BENCH/results/analytics.md"
