#!/usr/bin/env bash
# qa chunk, qa assemble, pack examples and pack run at corpus scale on Spark local[2], each next to its floor (a full
# scan of its inputs + a Delta write of its output's rows) in the same run, with Spark query counts and output digests
# (docs/PERFORMANCE.md, "Corpus scale: qa and pack jobs"). The input lake (ingest books + tokenize + qa generate
# extractive over bench/make-books.py's books) is built once per size and kept under $work for reruns.
# Usage: bench/qa-pack-scale.sh [TOTAL_MB (default 128)] [JOBS (default chunk,assemble,examples,pack)] [HEAP (default 3g)]
# With JFR=1 each job runs under its own flight recording and its top frames are printed. LWM_BENCH_SET="KEY=V,..."
# adds config keys to every job (e.g. pack.window_tokens=N).
set -euo pipefail
cd "$(dirname "$0")/.."
mb="${1:-128}"; jobs="${2:-chunk,assemble,examples,pack}"; heap="${3:-3g}"
work="${TMPDIR:-/tmp}/lwm-bench-qa-pack/$mb"
mkdir -p "$work"
[ -d "$work/books" ] || /usr/bin/python3 bench/make-books.py "$work/books" "$mb"
# the benchmark is test code (it calls the upstream ingest and qa jobs): build with the test classpath
mvn -B -q -Dquick -DskipTests package dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/test.classpath \
  -pl sequence-packing -am >"$work/build.log" 2>&1 || { tail -n 40 "$work/build.log" >&2; exit 1; }
CP="sequence-packing/target/test-classes:sequence-packing/target/classes:$(cat sequence-packing/target/test.classpath)"
OPENS=$(sed -n 's/^OPENS="\(.*\)"$/\1/p' lwm)
jfr=()
[ "${JFR:-0}" = 1 ] && jfr=(-Dbench.jfr="$work/jfr")
export SPARK_LOCAL_IP=127.0.0.1
# shellcheck disable=SC2086
java -Xmx"$heap" $OPENS "${jfr[@]}" -cp "$CP" org.lwm.packing.bench.QaPackScaleBenchmark "$work/books" samples/tokenizer.model "$work/lake" "$jobs" 2>&1 \
  | grep -v -E '^\s*$|WARN|INFO|^\[Stage|^lwm: '
