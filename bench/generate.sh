#!/usr/bin/env bash
# Decoding speed (docs/PERFORMANCE.md, "Generation"): `lwm generate`'s KV-cached decoder against llama.cpp
# (node-llama-cpp 3.21.1's prebuilt CPU binary, dev/tools) on the same seeded LLaMA exported as an F32 GGUF, same
# prompt, same number of new tokens, same threads; greedy; prompt evaluation excluded on both sides.
# Usage: bench/generate.sh [HIDDEN=512] [LAYERS=8] [PROMPT=64] [NEW=128] [THREADS=1] [ROUNDS=3]
set -euo pipefail
cd "$(dirname "$0")/.."
d=${1:-512} layers=${2:-8} prompt=${3:-64} new=${4:-128} threads=${5:-1} rounds=${6:-3}
./lwm --help >/dev/null # builds on first use
if [ ! -d dev/tools/node_modules/@node-llama-cpp/linux-x64 ]; then
  (cd dev/tools && SCARF_ANALYTICS=false npm ci --omit=optional --ignore-scripts --no-audit --no-fund --loglevel=error)
fi
work="${TMPDIR:-/tmp}/lwm-bench-generate"
rm -rf "$work" && mkdir -p "$work"
CP="orchestration/target/classes:$(cat orchestration/target/lwm.classpath)"
echo "# $(date -u +%FT%TZ) $(nproc) cores, load: $(cut -d' ' -f1-3 /proc/loadavg)"
java -Xmx8g --add-modules=jdk.incubator.vector -cp "$CP" org.lwm.trainer.bench.GenerateBenchmark samples/tokenizer.model "$work/model.gguf" "$d" "$layers" "$prompt" "$new" \
  "$threads" 1 2>&1 | grep -v 'Versions of' >/dev/null # writes the GGUF and the prompt
for r in $(seq "$rounds"); do
  java -Xmx8g --add-modules=jdk.incubator.vector -cp "$CP" org.lwm.trainer.bench.GenerateBenchmark samples/tokenizer.model "$work/model.gguf" "$d" "$layers" "$prompt" "$new" \
    "$threads" 3 2>&1 | grep "^ours" | tail -1 | tee -a "$work/ours.txt"
  printf '{"model": "%s", "prompts": [%s], "maxTokens": %d, "threads": %d, "contextSize": %d}' "$work/model.gguf" \
    "$(cat "$work/model.gguf.prompt.json")" "$new" "$threads" $((prompt + new + 8)) > "$work/req.json"
  node dev/tools/llama-check.mjs "$work/req.json" > "$work/llama.json"
  python3 - "$work/llama.json" "$new" <<'PY' | tee -a "$work/llama.txt"
import json, sys
r = json.load(open(sys.argv[1])); s = r["decodeSeconds"][0]; n = len(r["greedy"][0]) - 1
print(f"llama.cpp: {n} tokens decoded in {s:.3f} s, {n / s:.1f} tokens/s")
PY
done
python3 - "$work/ours.txt" "$work/llama.txt" <<'PY'
import re, statistics, sys
rate = lambda f: [float(re.search(r"([0-9.]+) tokens/s", l).group(1)) for l in open(f)]
o, l = rate(sys.argv[1]), rate(sys.argv[2])
print(f"median: ours {statistics.median(o):.1f} tokens/s, llama.cpp {statistics.median(l):.1f} tokens/s, "
      f"ratio {statistics.median(o) / statistics.median(l):.2f}")
PY
