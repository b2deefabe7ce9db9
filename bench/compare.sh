#!/usr/bin/env bash
# compare.sh: the same three workloads against real etcd and against vertcd, one server at a time,
# on the same loopback ports with fresh temp data dirs and the same flags; prints QPS and p99 per
# workload and the vertcd/etcd ratios.
#
#   bench/compare.sh            (from anywhere; paths are relative to the repository root)
#
# Workloads (vertcd-bench flags, key 8 bytes, value 256 bytes as in etcd's performance docs):
#   put-1c       put,   1 client,   1 connection,   5000 requests, sequential keys
#   put-64c      put,  64 clients,  8 connections, 50000 requests, sequential keys
#   range-l-64c  range, linearizable, 64 clients, 8 connections, 100000 requests over 1000 prefilled keys
#   lease-keepalive-64c  lease-keepalive, 64 clients, 8 connections, 50000 keep-alives of one 600 s lease
#                (one stream per keep-alive, as clientv3 KeepAliveOnce)
#   watch-latency-100w  watch-latency, 100 watchers (one stream each, 4 connections) on one key, one
#                writer, 2000 puts: p99 = put acknowledgement to the event at the last watcher
#
# Before the measured workloads each server gets the same unmeasured warm-up: 30000 puts from
# 16 clients over 1000 keys.
#
# Each workload also runs once unmeasured right before its measured run (WARM_EACH=0 turns that off).
#
# Environment overrides: ETCD_BIN (default /usr/bin/etcd), VERTCD_JAR (default
# verticles/target/vertcd.jar), BENCH_JAR (default bench/target/vertcd-bench.jar, built if missing),
# CLIENT_PORT (42379), PEER_PORT (42380), KEEP_RESULTS=1 to keep the raw reports.
#
# Exit status: 0 both servers measured without request errors; 1 a server failed to start or a
# workload reported errors; 2 vertcd's jar is missing (etcd's figures are still printed).
#
# Note: client and server share this machine's cores, so the figures are of the pair, for both servers alike.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ETCD_BIN="${ETCD_BIN:-/usr/bin/etcd}"
VERTCD_JAR="${VERTCD_JAR:-$ROOT/verticles/target/vertcd.jar}"
BENCH_JAR="${BENCH_JAR:-$ROOT/bench/target/vertcd-bench.jar}"
CLIENT_PORT="${CLIENT_PORT:-42379}"
PEER_PORT="${PEER_PORT:-42380}"
ENDPOINT="127.0.0.1:${CLIENT_PORT}"

WORKLOADS=(put-1c put-64c range-l-64c lease-keepalive-64c watch-latency-100w)
COMMON=(--endpoints "$ENDPOINT" --key-size 8 --val-size 256)
WARMUP="put --clients 16 --conns 4 --total 30000 --key-space-size 1000 --sequential-keys"
declare -A ARGS=(
  [put-1c]="put --clients 1 --conns 1 --total 5000 --key-space-size 100000 --sequential-keys"
  [put-64c]="put --clients 64 --conns 8 --total 50000 --key-space-size 100000 --sequential-keys"
  [range-l-64c]="range --consistency l --clients 64 --conns 8 --total 100000 --key-space-size 1000 --prefill"
  [lease-keepalive-64c]="lease-keepalive --clients 64 --conns 8 --total 50000 --ttl 600"
  [watch-latency-100w]="watch-latency --watchers 100 --conns 4 --total 2000"
)

WORK="$(mktemp -d "${TMPDIR:-/tmp}/vertcd-compare.XXXXXX")"
SERVER_PID=""
STATUS=0
NOTES=()
declare -A QPS P99

log() { printf '%s\n' "$*" >&2; }

stop_server() {
  if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  SERVER_PID=""
}

cleanup() {
  stop_server
  if [[ "${KEEP_RESULTS:-0}" == 1 ]]; then log "raw reports kept in $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# The flags etcd and vertcd both get (vertcd takes etcd's flags).
server_flags() {
  local data_dir="$1"
  printf '%s\n' --name bench --data-dir "$data_dir" \
    --listen-client-urls "http://$ENDPOINT" --advertise-client-urls "http://$ENDPOINT" \
    --listen-peer-urls "http://127.0.0.1:$PEER_PORT" --initial-advertise-peer-urls "http://127.0.0.1:$PEER_PORT" \
    --initial-cluster "bench=http://127.0.0.1:$PEER_PORT" --initial-cluster-state new
}

# start_server NAME CMD...: starts it with fresh data, waits (max 60 s) until a range succeeds.
start_server() {
  local name="$1"; shift
  local data_dir="$WORK/$name-data"
  local flags=()
  mapfile -t flags < <(server_flags "$data_dir")
  for p in "$CLIENT_PORT" "$PEER_PORT"; do
    if port_in_use "$p"; then log "error: port $p is already in use; cannot start $name"; return 1; fi
  done
  "$@" "${flags[@]}" >"$WORK/$name.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 120); do
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
      log "error: $name exited during start-up; last log lines:"; tail -n 20 "$WORK/$name.log" >&2; return 1
    fi
    if port_in_use "$CLIENT_PORT" &&
       java -jar "$BENCH_JAR" range --endpoints "$ENDPOINT" --total 1 --request-timeout-ms 1000 >/dev/null 2>&1; then
      return 0
    fi
    sleep 0.5
  done
  log "error: $name did not answer a range within 60 s; last log lines:"; tail -n 20 "$WORK/$name.log" >&2
  return 1
}

field() { awk -F': ' -v k="$1" '$1 == k { print $2; exit }' "$2"; }

# run_workloads NAME: runs every workload against the server that is up, after the same
# unmeasured warm-up on both servers (a JVM server compiles its hot paths in its first seconds;
# etcd gets the identical warm-up, so the comparison is of the servers in their steady state).
run_workloads() {
  local name="$1" w out rc
  log "== $name warm-up (unmeasured): vertcd-bench $WARMUP"
  # shellcheck disable=SC2086
  java -jar "$BENCH_JAR" $WARMUP "${COMMON[@]}" >"$WORK/$name-warmup.txt" 2>&1 || log "   warm-up exit $?"
  for w in "${WORKLOADS[@]}"; do
    out="$WORK/$name-$w.txt"
    if [[ "${WARM_EACH:-1}" == 1 ]]; then
      # one unmeasured pass of the same workload first: each workload exercises its own code path
      # (watch streams, lease streams) that the put warm-up does not reach
      # shellcheck disable=SC2086
      java -jar "$BENCH_JAR" ${ARGS[$w]} "${COMMON[@]}" >"$out.warm" 2>&1 || true
    fi
    log "== $name $w: vertcd-bench ${ARGS[$w]}"
    rc=0
    # shellcheck disable=SC2086
    java -jar "$BENCH_JAR" ${ARGS[$w]} "${COMMON[@]}" >"$out" 2>"$out.err" || rc=$?
    if [[ $rc -ne 0 ]]; then
      NOTES+=("$name $w: vertcd-bench exited $rc ($(field errors "$out") request errors)")
      log "   exit $rc: $(field errors "$out") errors; $(grep -m3 '^error' "$out" "$out.err" 2>/dev/null | tr '\n' ' ')"
      STATUS=1
    fi
    QPS[$name,$w]="$(field qps "$out")"
    P99[$name,$w]="$(field latency_p99_ms "$out")"
    log "   qps ${QPS[$name,$w]:-n/a}  p99 ${P99[$name,$w]:-n/a} ms"
  done
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b + 0 == 0) print "n/a"; else printf "%.2f", a / b }'; }

# --- build the tool if needed ------------------------------------------------------------------
if [[ ! -f "$BENCH_JAR" ]]; then
  log "building $BENCH_JAR"
  (cd "$ROOT" && mvn -o -q -B -pl bench package -DskipTests)
fi

# --- etcd ----------------------------------------------------------------------------------------
if [[ ! -x "$ETCD_BIN" ]]; then
  log "error: etcd binary not found at $ETCD_BIN (set ETCD_BIN)"; exit 1
fi
log "== etcd: $("$ETCD_BIN" --version | head -n1)"
if start_server etcd "$ETCD_BIN"; then
  run_workloads etcd
else
  STATUS=1
  NOTES+=("etcd: not measured, it failed to start (see the log lines above)")
fi
stop_server

# --- vertcd --------------------------------------------------------------------------------------
VERTCD_MISSING=0
if [[ ! -f "$VERTCD_JAR" ]]; then
  VERTCD_MISSING=1
  log ""
  log "################################################################################"
  log "vertcd NOT MEASURED: $VERTCD_JAR does not exist."
  log "Build it first:  (cd $ROOT && mvn -o -q -B package -DskipTests)"
  log "################################################################################"
else
  log "== vertcd: $VERTCD_JAR"
  if start_server vertcd java -Dchronicle.analytics.disable=true -jar "$VERTCD_JAR"; then
    run_workloads vertcd
  else
    STATUS=1
    NOTES+=("vertcd: not measured, it failed to start (see the log lines above)")
  fi
  stop_server
fi

# --- table ---------------------------------------------------------------------------------------
printf '\n%-12s %12s %12s %9s %14s %14s %9s\n' workload etcd_qps vertcd_qps qps_ratio etcd_p99_ms vertcd_p99_ms p99_ratio
for w in "${WORKLOADS[@]}"; do
  eq="${QPS[etcd,$w]:-}"; vq="${QPS[vertcd,$w]:-}"; ep="${P99[etcd,$w]:-}"; vp="${P99[vertcd,$w]:-}"
  printf '%-12s %12s %12s %9s %14s %14s %9s\n' "$w" "${eq:-n/a}" "${vq:-n/a}" "$(ratio "$vq" "$eq")" \
    "${ep:-n/a}" "${vp:-n/a}" "$(ratio "$vp" "$ep")"
done
echo "(ratio = vertcd / etcd: above 1 is better for qps, worse for p99)"
for note in "${NOTES[@]+"${NOTES[@]}"}"; do echo "$note"; done
if [[ $VERTCD_MISSING -eq 1 ]]; then
  echo "vertcd: not measured, $VERTCD_JAR is missing"
  [[ $STATUS -eq 0 ]] && STATUS=2
fi
exit "$STATUS"
