#!/usr/bin/env bash
# QA synthesis throughput (docs/PERFORMANCE.md, "QA synthesis"): chunking in chunks/s against SentencePiece's own
# decoder, and openai generation in requests/s at concurrency 1, 8, 32 against a local chat-completions server with
# 50 ms latency, next to a Python thread-pool client on the same server. Usage: bench/qa.sh
set -euo pipefail
cd "$(dirname "$0")/.."
work="${TMPDIR:-/tmp}/lwm-bench-qa"
rm -rf "$work" && mkdir -p "$work"
# the benchmark and its stand-in chat server are test code: build qa-synthesis with its tests and their classpath
mvn -B -q -Dquick -DskipTests package dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/test.classpath \
  -pl qa-synthesis -am >"$work/build.log" 2>&1 || { tail -n 40 "$work/build.log" >&2; exit 1; }
CP="qa-synthesis/target/test-classes:qa-synthesis/target/classes:$(cat qa-synthesis/target/test.classpath)"
OPENS=$(sed -n 's/^OPENS="\(.*\)"$/\1/p' lwm)
export SPARK_LOCAL_IP=127.0.0.1
# shellcheck disable=SC2086
java -Xmx4g $OPENS -cp "$CP" org.lwm.qa.bench.QaBenchmark samples bench/qa-peer.py "$work" 2>&1 | grep -v -E '^\s*$|WARN|INFO'
rm -rf "$work"
