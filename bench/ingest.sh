#!/usr/bin/env bash
# Ingest + tokenize throughput on Spark local[2] against the tokenizer's own single-thread speed on the same
# text (docs/PERFORMANCE.md, "Ingest"). Usage: bench/ingest.sh [TOTAL_MB (default 64)]
set -euo pipefail
cd "$(dirname "$0")/.."
mb="${1:-64}"
work="${TMPDIR:-/tmp}/lwm-bench-ingest"
rm -rf "$work" && mkdir -p "$work"
/usr/bin/python3 bench/make-books.py "$work/books" "$mb"
./lwm --help >/dev/null # builds on first use
CP="orchestration/target/classes:$(cat orchestration/target/lwm.classpath)"
OPENS=$(sed -n 's/^OPENS="\(.*\)"$/\1/p' lwm)
export SPARK_LOCAL_IP=127.0.0.1
# shellcheck disable=SC2086
java -Xmx8g $OPENS -cp "$CP" org.lwm.ingest.bench.IngestBenchmark "$work/books" samples/tokenizer.model "$work/lake" 2>&1 \
  | grep -v -E '^\s*$|WARN|INFO'
if command -v spm_encode >/dev/null; then
  # context: SentencePiece's C++ encoder on one thread, same text and model
  s=$(date +%s.%N); cat "$work"/books/*.txt | spm_encode --model=samples/tokenizer.model --output_format=id >/dev/null; e=$(date +%s.%N)
  echo "spm_encode (C++), one thread:   $(echo "$e - $s" | bc) s  $(echo "scale=2; $(cat "$work"/books/*.txt | wc -c) / 1000000 / ($e - $s)" | bc) MB/s"
fi
rm -rf "$work"
