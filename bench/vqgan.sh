#!/usr/bin/env bash
# LWM's VQGAN encoder, full size (256x256 frames, ~216 GFLOP each, seeded random weights): ours (Java, Winograd or im2col +
# OpenBLAS SGEMM) against PyTorch on the CPU (Debian's python3-torch with OpenBLAS installed; convolutions in
# oneDNN), same weights, frames and thread count, interleaved round by round; prints frames/s, effective GFLOP/s, the
# ratio per round and whether the two sides' codes agree (docs/PERFORMANCE.md, "VQGAN encode").
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
  j=$(java -Xms4g -Xmx4g -XX:+AlwaysPreTouch -Dlwm.vqgan.threads="$threads" -cp "$CP" org.lwm.vqgan.bench.VqganBenchmark run "$work" "$threads" "$frames" "$batch" 2>&1 | grep '^java')
  p=$(OMP_NUM_THREADS="$threads" /usr/bin/python3 bench/vqgan_torch.py "$work" "$threads" "$frames" "$batch")
  echo "$j"; echo "$p"
  /usr/bin/python3 - "$work" "$j" "$p" <<'PY'
import sys, numpy as np, re
d, j, p = sys.argv[1:]
fj = float(re.search(r"([0-9.]+) frames/s", j).group(1)); fp = float(re.search(r"([0-9.]+) frames/s", p).group(1))
a = np.fromfile(f"{d}/codes-java.i32", "<i4"); b = np.fromfile(f"{d}/codes-torch.i32", "<i4")
print(f"round: ours/pytorch = {fj / fp:.2f}x   codes equal: {(a == b).mean() * 100:.2f}% of {a.size}")
PY
done
rm -rf "$work"
