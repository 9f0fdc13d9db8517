#!/usr/bin/env bash
# The trainer across JVMs (docs/PERFORMANCE.md, "Trainer on a cluster"): `lwm train` on a standalone cluster of two
# Workers × one core (dev/cluster, loopback) against one JVM with one OpenBLAS thread, same rows and model
# (d=64, 2 layers, 4 heads, vocab 8000, zigzag); steady-state seconds per step (steps 2..n: the first carries the
# barrier stage's start), the wait share, and peak RSS per executor.
#   ring:  sp=2 over 2 executors vs sp=1 in one JVM, one row of L per step (ideal 2x tokens/s)
#   dp:    dp=2 × sp=1 over 2 executors vs dp=1 in one JVM, 2 rows of L per step (same global batch)
#   long:  one step at sp=2 over 2 executors with recomputation, for each L in $LONG (default "16384 32768"):
#          seconds for the step and peak RSS per executor (the longest context per machine)
# Usage: bench/trainer_cluster.sh [L=8192] [steps=3] [ring|dp|both|long]
set -uo pipefail
cd "$(dirname "$0")/.."
L=${1:-8192}; STEPS=${2:-3}; WHAT=${3:-both}
./lwm --help >/dev/null || exit 1
work="${TMPDIR:-/tmp}/lwm-trainer-cluster-bench"
rm -rf "$work" && mkdir -p "$work"
export LWM_CLUSTER_DIR="$work/cluster" LWM_CLUSTER_PORT=17077 LWM_CLUSTER_UI_PORT=18080 LWM_CLUSTER_WORKER_MEMORY=6g
[ "$WHAT" = long ] || python3 bench/make_rows.py 4 "$L" 8000 "$work/rows.jsonl"
config() { # name dp sp rows-per-step [L] [recompute]
  local len=${5:-$L} rows=rows.jsonl
  [ "${5:-}" ] && rows=rows-$len.jsonl
  [ "${5:-}" ] && python3 bench/make_rows.py 1 "$len" 8000 "$work/rows-$len.jsonl"
  cat >"$work/$1.yaml" <<YAML
output: $1
seed: 0
model: {vocab_size: 8000, hidden_size: 64, intermediate_size: 176, num_hidden_layers: 2, num_attention_heads: 4, num_key_value_heads: 4}
parallel: {dp: $2, sp: $3, layout: zigzag, query_chunk: 512, key_chunk: 512, recompute: ${6:-false}, peer_timeout_s: 7200}
checkpoint_every: 1000
stages:
  - {name: s, seq_len: $len, rope_theta: 10000, steps: $STEPS, sequences_per_step: $4, lr: 1.0e-3, schedule: constant, data: {jsonl: $rows}}
YAML
}
steady() { # name -> "s/step tok/s wait%"
  python3 - "$work/$1/metrics.jsonl" <<'PY'
import json, sys
m = [json.loads(l) for l in open(sys.argv[1])][1:]
s = sum(x["seconds"] for x in m) / len(m); w = sum(x["wait_s"] for x in m) / len(m)
print(f"{s:.2f} s/step  {m[0]['tokens'] / s:,.0f} tok/s  wait {100 * w / s:.0f}%")
PY
}
rss_watch() { # peak VmHWM of every executor JVM, until the file $work/stop exists
  # one pgrep a second (a grep per process in /proc cost ~12% of a core, taken from the executors being timed)
  declare -A peak
  while [ ! -f "$work/stop" ]; do
    for pid in $(pgrep -f CoarseGrainedExecutorBackend); do
      kb=$(awk '/VmHWM/{print $2}' "/proc/$pid/status" 2>/dev/null)
      [ -n "$kb" ] && [ "$kb" -gt "${peak[$pid]:-0}" ] && peak[$pid]=$kb
    done
    sleep 1
  done
  for pid in "${!peak[@]}"; do echo "executor $pid peak RSS $((peak[$pid] / 1024)) MiB"; done
}
local_run() { (cd "$work" && LWM_JAVA_OPTS="-Dlwm.blas.threads=1 -Xmx8g" "$OLDPWD/lwm" train --config "$1.yaml" >"$1.log" 2>&1) || tail -5 "$work/$1.log"; }
cluster_run() {
  rm -f "$work/stop"; rss_watch >"$work/$1.rss" & watcher=$!
  (cd "$work" && "$OLDPWD/lwm" train --config "$1.yaml" --master spark://127.0.0.1:17077 \
    --set spark.executor.extraClassPath="$CP" --set spark.executor.memory=4g --set spark.driver.host=127.0.0.1 \
    --set spark.scheduler.barrier.maxConcurrentTasksCheck.interval=1s >"$1.log" 2>&1) || tail -5 "$work/$1.log"
  touch "$work/stop"; wait "$watcher"
}
echo "# $(date -u +%FT%TZ) $(nproc) cores, load: $(cut -d' ' -f1-3 /proc/loadavg); L=$L, $STEPS steps"
CP=$(dev/cluster classpath)
trap 'dev/cluster stop >/dev/null' EXIT
dev/cluster start 2 1 >/dev/null || exit 1
if [ "$WHAT" = long ]; then
  STEPS=1
  for len in ${LONG:-16384 32768}; do
    config "long-$len" 1 2 1 "$len" true; cluster_run "long-$len"
    echo "long  L=$len sp=2 recompute: $(python3 -c "import json,sys; m=json.loads(open(sys.argv[1]).readline()); print(f\"{m['seconds']:.1f} s for the step (compute {m['compute_s']:.1f} s, wait {m['wait_s']:.1f} s)\")" "$work/long-$len/metrics.jsonl")"
    cat "$work/long-$len.rss"
  done
  exit 0
fi
if [ "$WHAT" != dp ]; then
  config one-jvm-sp1 1 1 1; config cluster-sp2 1 2 1
  local_run one-jvm-sp1; cluster_run cluster-sp2
  echo "ring  one JVM, sp=1, 1 thread:   $(steady one-jvm-sp1)"
  echo "ring  2 executors × 1 core, sp=2: $(steady cluster-sp2)"; cat "$work/cluster-sp2.rss"
fi
if [ "$WHAT" != ring ]; then
  config one-jvm-dp1 1 1 2; config cluster-dp2 2 1 2
  local_run one-jvm-dp1; cluster_run cluster-dp2
  echo "dp    one JVM, dp=1, 1 thread:   $(steady one-jvm-dp1)"
  echo "dp    2 executors × 1 core, dp=2: $(steady cluster-dp2)"; cat "$work/cluster-dp2.rss"
fi
echo "# done $(date -u +%FT%TZ), load: $(cut -d' ' -f1-3 /proc/loadavg)"
