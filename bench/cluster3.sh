#!/usr/bin/env bash
# cluster3.sh KIND: starts a 3-member cluster of KIND (etcd or vertcd) on loopback (clients
# 127.0.0.1:28510/28520/28530, peers 28511/28521/28531, fresh temp data dirs, default timeouts),
# waits until every member is healthy (etcdctl endpoint health), gives it the same unmeasured warm-up as compare.sh, runs put-64c (30000 puts) and range-l-64c
# (60000 linearizable ranges) with the clients spread over the three endpoints, each once unmeasured
# then once measured (WARM_EACH=0: measured only), prints qps, errors and p99 (and, for put, the
# CPU time the three members spent per 1000 puts), and stops the members.
#
#   bench/cluster3.sh etcd; bench/cluster3.sh vertcd
#
# Environment overrides: ETCD_BIN (default /usr/bin/etcd), VERTCD_JAR, BENCH_JAR as in compare.sh.
set -u
KIND=${1:?usage: cluster3.sh etcd|vertcd}
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ETCD_BIN="${ETCD_BIN:-/usr/bin/etcd}"
VERTCD_JAR="${VERTCD_JAR:-$ROOT/verticles/target/vertcd.jar}"
BENCH_JAR="${BENCH_JAR:-$ROOT/bench/target/vertcd-bench.jar}"
D=$(mktemp -d /tmp/cluster3.XXXXXX)
CL="m0=http://127.0.0.1:28511,m1=http://127.0.0.1:28521,m2=http://127.0.0.1:28531"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; wait; rm -rf "$D"; }
trap cleanup EXIT
for i in 0 1 2; do
  c=$((28510 + 10 * i)); p=$((c + 1))
  FLAGS=(--name "m$i" --data-dir "$D/m$i" --listen-client-urls "http://127.0.0.1:$c" --advertise-client-urls "http://127.0.0.1:$c"
         --listen-peer-urls "http://127.0.0.1:$p" --initial-advertise-peer-urls "http://127.0.0.1:$p"
         --initial-cluster "$CL" --initial-cluster-token cluster3)
  if [ "$KIND" = etcd ]; then
    "$ETCD_BIN" "${FLAGS[@]}" > "$D/m$i.log" 2>&1 &
  else
    java -Dchronicle.analytics.disable=true -jar "$VERTCD_JAR" "${FLAGS[@]}" > "$D/m$i.log" 2>&1 &
  fi
  PIDS+=($!)
done
EPS=127.0.0.1:28510,127.0.0.1:28520,127.0.0.1:28530
for _ in $(seq 1 120); do  # up to 60 s for every member to answer a linearizable health check
  ETCDCTL_API=3 etcdctl --endpoints="$EPS" --dial-timeout=1s --command-timeout=2s endpoint health > /dev/null 2>&1 && break
  sleep 0.5
done
B=(java -jar "$BENCH_JAR")
C=(--endpoints "$EPS" --key-size 8 --val-size 256)
"${B[@]}" put "${C[@]}" --clients 16 --conns 4 --total 30000 --key-space-size 1000 --sequential-keys > /dev/null
PUT=(put "${C[@]}" --clients 64 --conns 8 --total 30000 --key-space-size 100000 --sequential-keys)
RANGE=(range "${C[@]}" --consistency l --clients 64 --conns 8 --total 60000 --key-space-size 1000 --prefill)
# As in compare.sh, each workload first runs once unmeasured (WARM_EACH=0 turns that off): a JVM
# member reaches its steady state only after the JIT has compiled the paths that workload uses.
if [ "${WARM_EACH:-1}" = 1 ]; then "${B[@]}" "${PUT[@]}" > /dev/null; fi
# CPU time of the three members (user + system, from /proc/<pid>/stat, in clock ticks)
member_ticks() { local t=0; for p in "${PIDS[@]}"; do t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat"))); done; echo $t; }
echo "== $KIND put-64c"
T0=$(member_ticks)
"${B[@]}" "${PUT[@]}" | grep -E "^(qps|errors|latency_p99_ms):"
T1=$(member_ticks)
awk -v t=$((T1 - T0)) -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "members_cpu_ms_per_1000_puts: %.0f\n", t * 1000 / hz / 30 }'
if [ "${WARM_EACH:-1}" = 1 ]; then "${B[@]}" "${RANGE[@]}" > /dev/null; fi
echo "== $KIND range-l-64c"
"${B[@]}" "${RANGE[@]}" | grep -E "^(qps|errors|latency_p99_ms):"
