#!/usr/bin/env bash
# Tokenizer throughput against SentencePiece's own C++ encoder (docs/PERFORMANCE.md, "Tokenizer").
# 1. Whole process each, alternated: `spm_encode --output_format=id` and `lwm tokenize` (one thread, then
#    --threads 2) on the same ~17 MB of text (the sample's verses shuffled, one per line), same model.
# 2. JMH: the Java encoder alone, one thread, warm and cold word cache.
# Usage: bench/tokenizer.sh [ROUNDS (default 3)] [MB (default 17)]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds="${1:-3}"
mb="${2:-17}"
model=samples/tokenizer.model
work="${TMPDIR:-/tmp}/lwm-bench-tokenizer"
rm -rf "$work" && mkdir -p "$work"
command -v spm_encode >/dev/null || { echo "bench/tokenizer.sh: spm_encode is missing: apt-get install sentencepiece" >&2; exit 1; }
/usr/bin/python3 - "$work/text.txt" "$mb" <<'PY'
import os, random, sys
out, mb = sys.argv[1], float(sys.argv[2])
verses = []
for name in sorted(os.listdir("samples/books")):
    with open(os.path.join("samples/books", name), encoding="utf-8") as f:
        verses += [l.rstrip("\n") for l in f if l.strip()]
rnd, lines, n = random.Random(1), [], 0
while n < mb * 1e6:
    order = verses[:]
    rnd.shuffle(order)
    for v in order:
        lines.append(v)
        n += len(v.encode("utf-8")) + 1
        if n >= mb * 1e6:
            break
open(out, "w", encoding="utf-8").write("\n".join(lines) + "\n")
PY
bytes=$(wc -c <"$work/text.txt")
./lwm --help >/dev/null # builds on first use
echo "text: $(echo "scale=1; $bytes / 1000000" | bc) MB, $(wc -l <"$work/text.txt") lines; $(nproc) cores; model $model"

# wall seconds and CPU seconds (user + sys, all threads: JIT and GC count against us) of one whole process
secs() { local TIMEFORMAT='%R %U %S'; { time "$@" >/dev/null 2>&1; } 2>&1 | awk '{printf "%s %.3f\n", $1, $2 + $3}'; }
median() { sort -n -k"$1" | awk -v k="$1" '{a[NR]=$k} END {print a[int((NR+1)/2)]}'; }
: >"$work/spm" ; : >"$work/ours1" ; : >"$work/ours2"
for r in $(seq "$rounds"); do
  secs spm_encode --model="$model" --output_format=id --input="$work/text.txt" --output="$work/spm.ids" >>"$work/spm"
  secs ./lwm tokenize --model "$model" --input "$work/text.txt" --output "$work/ours.ids" >>"$work/ours1"
  secs ./lwm tokenize --model "$model" --input "$work/text.txt" --output "$work/ours.ids" --threads 2 >>"$work/ours2"
done
# same ids, line for line (spm: space-separated; ours: JSON arrays)
if ! diff -q <(tr -d '[]' <"$work/ours.ids" | tr ',' ' ') "$work/spm.ids" >/dev/null; then
  echo "bench/tokenizer.sh: lwm tokenize and spm_encode disagree on this text" >&2; exit 1
fi
mbs() { echo "scale=2; $bytes / 1000000 / $1" | bc; }
printf '%-36s %10s %9s %10s %9s\n' "" "wall s" "MB/s" "CPU s" "ratio"
for k in spm ours1 ours2; do
  w=$(median 1 <"$work/$k"); c=$(median 2 <"$work/$k")
  [ "$k" = spm ] && { sw=$w; sc=$c; }
  case $k in spm) name="spm_encode (C++), 1 thread";; ours1) name="lwm tokenize, 1 thread";; ours2) name="lwm tokenize --threads 2";; esac
  printf '%-36s %10s %9s %10s %9s\n' "$name" "$w" "$(mbs "$w")" "$c" "$(echo "scale=2; $sw / $w" | bc)"
done
echo "(medians of $rounds alternated rounds, whole process each, JVM start included; ratio = spm wall time / ours)"

# JMH: the encoder alone
mvn -B -ntp -q -o -pl core test-compile dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$work/cp" >/dev/null 2>&1
java -Dlwm.repo.root="$PWD" -cp "core/target/test-classes:core/target/classes:$(cat "$work/cp")" org.openjdk.jmh.Main \
  EncodeBenchmark -f 1 -wi 3 -i 5 -w 2s -r 2s -t 1 -rf text -rff "$work/jmh.txt" >/dev/null
verse_bytes=$(cat samples/books/*.txt | grep -v '^\s*$' | wc -c)
awk -v b="$verse_bytes" '/encodeAll/ {printf "JMH encoder alone (%s cache): %.2f passes/s = %.1f MB/s (± %.1f)\n", $2, $5, $5*b/1e6, $7*b/1e6}' "$work/jmh.txt"
rm -rf "$work"
