#!/usr/bin/env bash
# Trainer benchmarks (docs/PERFORMANCE.md, "Trainer"): one training step (forward, backward, clip, AdamW) of a
# LLaMA with d=256, 4 layers, 8 heads, vocab 8000, one row of L tokens, ours against PyTorch CPU (Debian
# python3-torch with libopenblas0-pthread) on the same model, length and threads, interleaved; then ring
# overhead (sp=4 vs sp=1) and zigzag vs contiguous, and peak heap as L grows at sp=4 (small model).
# Usage: bench/trainer.sh [quick|cluster|tiles]   (quick: the L=2048 comparison only; cluster: across JVMs only,
# bench/trainer_cluster.sh; tiles: the attention tiles against OpenBLAS SGEMM of the same shapes, TileBenchmark,
# head sizes 16…128, one OpenBLAS thread and all cores per caller, two interleaved rounds)
set -uo pipefail
cd "$(dirname "$0")/.."
[ "${1:-}" = cluster ] && exec bench/trainer_cluster.sh
# ./lwm builds the project from a clean checkout and writes the runtime classpath (orchestration/target/lwm.classpath)
./lwm --help >/dev/null || exit 1
work="${TMPDIR:-/tmp}/lwm-trainer-bench"
rm -rf "$work" && mkdir -p "$work/jars"
# a private copy of the project's jars, so rebuilding the tree while this runs cannot break it
CP=""
for j in $(tr ':' ' ' < orchestration/target/lwm.classpath); do
  case "$j" in "$PWD"/*) cp "$j" "$work/jars/" && j="$work/jars/$(basename "$j")" ;; esac
  CP="${CP:+$CP:}$j"
done
THREADS=$(nproc)
VEC=--add-modules=jdk.incubator.vector # core numeric.Simd's vector loops (./lwm adds it too)
ours() { java -Xmx16g $VEC "${JOPTS[@]}" -cp "$CP" org.lwm.trainer.bench.TrainStepBenchmark "$@" 2>&1 | grep -v 'Versions of'; }
JOPTS=(-Dbench.recompute=false)
if [ "${1:-}" = tiles ]; then
  echo "# $(date -u +%FT%TZ) $(nproc) cores, load: $(cut -d' ' -f1-3 /proc/loadavg)"
  # one OpenBLAS thread per caller is how ring workers run (one per core); all cores for one caller is sp=1
  for rep in 1 2; do for t in 1 "$(nproc)"; do
    java -Xmx4g --add-modules=jdk.incubator.vector -Dlwm.blas.threads="$t" -cp "$CP" org.lwm.trainer.bench.TileBenchmark 2048 4 512 "${2:-3}" 2>&1 | grep -v 'Versions of'
  done; done
  echo "# done $(date -u +%FT%TZ), load: $(cut -d' ' -f1-3 /proc/loadavg)"
  exit 0
fi
peer() { /usr/bin/python3 bench/trainer_peer.py "$@"; }
echo "# $(date -u +%FT%TZ) $(nproc) cores, load: $(cut -d' ' -f1-3 /proc/loadavg), available: $(free -g | awk '/Mem/{print $7}') GiB"
echo "## step tokens/s, ours (sp=1: OpenBLAS $THREADS threads; sp=$THREADS: one ring worker per core) vs PyTorch ($THREADS threads)"
for rep in 1 2; do
  ours 2048 1 contiguous 1
  ours 2048 "$THREADS" zigzag 1
  peer 2048 1 "$THREADS"
done
[ "${1:-}" = quick ] && exit 0
ours 8192 "$THREADS" zigzag 1
if [ "$(free -g | awk '/Mem/{print $7}')" -ge 16 ]; then
  peer 8192 1 "$THREADS"
else
  echo "torch  L=8192 skipped: dense attention needs ~12 GiB and less than 16 GiB is available"
fi
echo "## ring overhead and layouts at L=4096 (same model)"
ours 4096 1 contiguous 1
ours 4096 4 contiguous 1
ours 4096 4 zigzag 1
echo "## peak heap at sp=4 as L grows (d=64, 2 layers, 4 heads, vocab 8000; all four workers together)"
for L in 4096 8192 16384; do ours "$L" 4 zigzag 1 64 2 4 8000 176; done
JOPTS=(-Dbench.recompute=true)
for L in 4096 16384; do ours "$L" 4 zigzag 1 64 2 4 8000 176; done
echo "# done $(date -u +%FT%TZ), load: $(cut -d' ' -f1-3 /proc/loadavg)"
