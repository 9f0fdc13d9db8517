#!/usr/bin/env bash
# Packing: our masked best-fit packer against LWM's 'pad' and 'no_pad' batching (re-implemented in Python from
# lwm/data.py) on one generated set of example lengths, rounds interleaved (docs/PERFORMANCE.md, "Sequence packing").
# Usage: bench/pack.sh [N_EXAMPLES (default 20000)] [L (default 4096)] [ROUNDS (default 3)]
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-20000}"; L="${2:-4096}"; rounds="${3:-3}"
work="${TMPDIR:-/tmp}/lwm-bench-pack"
rm -rf "$work" && mkdir -p "$work"
mvn -B -ntp -q -o -pl sequence-packing -am -DskipTests compile
CP="sequence-packing/target/classes:core/target/classes:$(mvn -B -ntp -q -o -pl core dependency:build-classpath -Dmdep.outputFile=/dev/stdout)"
java -cp "$CP" org.lwm.packing.bench.PackBenchmark gen "$work/lengths.txt" "$n"
for r in $(seq 1 "$rounds"); do
  java -Xmx6g -Dbench.round="$r" -cp "$CP" org.lwm.packing.bench.PackBenchmark ours "$work/lengths.txt" "$L" 2
  /usr/bin/python3 bench/lwm_modes.py "$work/lengths.txt" "$L" "$r"
done
rm -rf "$work"
