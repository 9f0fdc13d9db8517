#!/usr/bin/env bash
# The corpus jobs against their Spark floors (docs/PERFORMANCE.md, "Spark jobs at corpus scale"): MB of generated books
# (bench/make-books.py) through `ingest books` and `ingest tokenize` on Spark local[2] with a 3 GiB heap, each followed
# in the same session by the cheapest Spark job with its I/O; job/floor ratios, Spark queries per job, fixed cost on
# 1 MB, ingest + tokenize against two threads of the tokenizer. Usage: bench/corpus.sh [MB (default 128)]
# LWM_BENCH_JFR=FILE.jfr records a JFR profile of the whole run; LWM_BENCH_QUERIES=1 prints every Spark query with its
# time; LWM_BENCH_NO_BUILD=1 skips the build (after a first run). LWM_BENCH_JOBS="ingest books,ingest tokenize" runs a subset
# (the jobs before it that make its input run unmeasured). LWM_BENCH_SHAPE=big-book (one book of MB), tiny-docs (MB of
# ~270-byte documents in JSON lines: 255 MB is about 0.95M) or tiny-docs-shared (documents sharing verse pieces)
# instead of the default spread of book sizes (make-books.py).
# LWM_BENCH_SET="KEY=V,..." adds config keys to every job (e.g. ingest.max_book_bytes=268435456 to ingest a 200 MB book).
# Jobs: ingest books, ingest tokenize, qa chunk, qa generate (extractive), qa assemble, pack examples, pack run.
set -euo pipefail
cd "$(dirname "$0")/.."
mb="${1:-128}"
work="${TMPDIR:-/tmp}/lwm-bench-corpus"
rm -rf "$work" && mkdir -p "$work"
/usr/bin/python3 bench/make-books.py "$work/books" "$mb" 1 "${LWM_BENCH_SHAPE:-books}"
/usr/bin/python3 bench/make-books.py "$work/books-1mb" 1 2
# the benchmark is test code of orchestration (it sees every module's steps): build it with its test classpath
[ -n "${LWM_BENCH_NO_BUILD:-}" ] || mvn -B -q -Dquick -DskipTests package dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/test.classpath \
  -pl orchestration -am >"$work/build.log" 2>&1 || { tail -n 40 "$work/build.log" >&2; exit 1; }
CP="orchestration/target/test-classes:orchestration/target/classes:$(cat orchestration/target/test.classpath)"
OPENS=$(sed -n 's/^OPENS="\(.*\)"$/\1/p' lwm)
export SPARK_LOCAL_IP=127.0.0.1
jfr=${LWM_BENCH_JFR:+-XX:StartFlightRecording=filename=$LWM_BENCH_JFR,settings=profile}
# shellcheck disable=SC2086
java -Xmx3g $jfr $OPENS -cp "$CP" org.lwm.orchestration.bench.CorpusBenchmark "$work" samples/tokenizer.model 2>&1 \
  | grep -v -E '^\s*$|WARN|INFO|^Started recording|jcmd'
rm -rf "$work"
