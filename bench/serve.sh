#!/usr/bin/env bash
# Server throughput (docs/PERFORMANCE.md, "Serving"): `lwm serve`'s OpenAI-compatible server on a seeded LLaMA, C
# HTTP clients each sending R greedy /v1/completions requests back to back, at each concurrency C; against llama.cpp
# (node-llama-cpp 3.21.1, dev/tools/llama-batch.mjs) decoding C sequences batched in one context on the same F32 GGUF,
# same prompt, same new tokens, same threads. Both include prompt evaluation; ours also HTTP and JSON.
# Usage: bench/serve.sh [HIDDEN=256] [LAYERS=4] [NEW=64] [THREADS=1] [R=2] [CONCURRENCY="1 8 32"]
set -euo pipefail
cd "$(dirname "$0")/.."
d=${1:-256} layers=${2:-4} new=${3:-64} threads=${4:-1} per=${5:-2} levels=${6:-1 8 32}
./lwm --help >/dev/null # builds on first use
if [ ! -d dev/tools/node_modules/@node-llama-cpp/linux-x64 ]; then
  (cd dev/tools && SCARF_ANALYTICS=false npm ci --omit=optional --ignore-scripts --no-audit --no-fund --loglevel=error)
fi
work="${TMPDIR:-/tmp}/lwm-bench-serve"
rm -rf "$work" && mkdir -p "$work"
CP="orchestration/target/classes:$(cat orchestration/target/lwm.classpath)"
echo "# $(date -u +%FT%TZ) $(nproc) cores, load: $(cut -d' ' -f1-3 /proc/loadavg)"
# shellcheck disable=SC2086
java -Xmx8g --add-modules=jdk.incubator.vector -cp "$CP" org.lwm.trainer.bench.ServeBenchmark samples/tokenizer.model "$work/model.gguf" \
  "$d" "$layers" "$new" "$threads" "$per" $levels 2>&1 | grep '^ours' | tee "$work/ours.txt"
prompt=$(cat "$work/model.gguf.prompt.json")
printf '{"model": "%s", "prompt": %s, "maxTokens": %d, "threads": %d, "contextSize": %d, "concurrency": [%s], "perClient": %d}' \
  "$work/model.gguf" "$prompt" "$new" "$threads" $(( $(echo "$prompt" | tr ',' '\n' | wc -l) + new + 8 )) \
  "$(echo $levels | tr ' ' ',')" "$per" > "$work/req.json"
node dev/tools/llama-batch.mjs "$work/req.json" > "$work/llama.json"
python3 - "$work/ours.txt" "$work/llama.json" <<'PY'
import json, re, sys
ours = {int(m.group(1)): float(m.group(2)) for m in (re.search(r"concurrency (\d+):.* ([0-9.]+) tokens/s", l) for l in open(sys.argv[1])) if m}
print("| concurrency | ours tokens/s (HTTP) | llama.cpp tokens/s (batched sequences) | ratio |")
print("|---|---|---|---|")
for lv in json.load(open(sys.argv[2]))["levels"]:
    c, t = lv["concurrency"], lv["tokens"] / lv["seconds"]
    print(f"| {c} | {ours[c]:.1f} | {t:.1f} | {ours[c] / t:.2f} |")
PY
