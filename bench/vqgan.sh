#!/usr/bin/env bash
# LWM's VQGAN encoder, full size (256x256 frames, ~216 GFLOP each, seeded random weights), three engines: ours (Java,
# Winograd or im2col + OpenBLAS SGEMM), the same network as a DL4J ComputationGraph on ND4J (vqgan.engine=dl4j) and
# PyTorch on the CPU (Debian's python3-torch with OpenBLAS installed; convolutions in oneDNN), same weights, frames and
# thread count, interleaved round by round; prints frames/s, effective GFLOP/s, the ratios per round and whether
# each engine's codes agree with PyTorch's (docs/PERFORMANCE.md, "VQGAN encode").
# Usage: bench/vqgan.sh [THREADS (2)] [FRAMES per round (4)] [ROUNDS (3)] [BATCH (1)]
#        bench/vqgan.sh layers [THREADS (2)]   one convolution per LWM layer shape, im2col against as configured
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = layers ]; then
  ./lwm --help >/dev/null # builds on first use
  CP="orchestration/target/classes:$(cat orchestration/target/lwm.classpath)"
  for min in 0 ""; do # Winograd off, then as configured
    java -Xms4g -Xmx4g -XX:+AlwaysPreTouch ${min:+-Dlwm.vqgan.winograd_min_side=$min} -cp "$CP" org.lwm.vqgan.bench.VqganBenchmark layers "${2:-2}" 2>&1 | grep '^layer'
  done
  exit 0
fi
threads="${1:-2}"; frames="${2:-4}"; rounds="${3:-3}"; batch="${4:-1}"
work="${TMPDIR:-/tmp}/lwm-bench-vqgan"
dpkg -s libopenblas0-pthread >/dev/null 2>&1 || { echo "bench/vqgan.sh: install libopenblas0-pthread first (PyTorch falls back to the reference BLAS without it)" >&2; exit 1; }
./lwm --help >/dev/null # builds on first use
CP="orchestration/target/classes:$(cat orchestration/target/lwm.classpath)"
java -cp "$CP" org.lwm.vqgan.bench.VqganBenchmark prepare "$work" "$frames" 2>&1 | grep -v '^Warning: Versions' || true
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); $threads threads each, $frames frames per round, batch $batch"
for r in $(seq "$rounds"); do
  j=$(java -Xms4g -Xmx4g -XX:+AlwaysPreTouch -Dlwm.vqgan.threads="$threads" -cp "$CP" org.lwm.vqgan.bench.VqganBenchmark run "$work" "$threads" "$frames" "$batch" java 2>&1 | grep '^java')
  # ND4J's arrays live off the heap (JavaCPP): a smaller heap leaves it room; OpenMP and OpenBLAS get the same count
  d=$(OMP_NUM_THREADS="$threads" java -Xms2g -Xmx2g -Dorg.bytedeco.javacpp.maxbytes=8g -Dorg.bytedeco.javacpp.maxphysicalbytes=12g -cp "$CP" \
      org.lwm.vqgan.bench.VqganBenchmark run "$work" "$threads" "$frames" "$batch" dl4j 2>&1 | grep '^dl4j')
  p=$(OMP_NUM_THREADS="$threads" /usr/bin/python3 bench/vqgan_torch.py "$work" "$threads" "$frames" "$batch")
  echo "$j"; echo "$d"; echo "$p"
  /usr/bin/python3 - "$work" "$j" "$d" "$p" <<'PY'
import sys, numpy as np, re
d, j, l, p = sys.argv[1:]
f = lambda line: float(re.search(r"([0-9.]+) frames/s", line).group(1))
fj, fl, fp = f(j), f(l), f(p)
t = np.fromfile(f"{d}/codes-torch.i32", "<i4")
eq = lambda e: (np.fromfile(f"{d}/codes-{e}.i32", "<i4") == t).mean() * 100
print(f"round: java/pytorch = {fj / fp:.2f}x   dl4j/pytorch = {fl / fp:.2f}x   java/dl4j = {fj / fl:.2f}x   "
      f"codes equal to pytorch's: java {eq('java'):.2f}%, dl4j {eq('dl4j'):.2f}% of {t.size}")
PY
done
rm -rf "$work"
