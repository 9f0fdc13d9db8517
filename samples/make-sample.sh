#!/usr/bin/env bash
# Re-creates the embedded sample: the 66 books of the King James Bible (public domain, Debian's
# bible-kjv) as .txt files, and a SentencePiece BPE tokenizer in LLaMA-2's settings trained on them
# with Debian's spm_train. The demo only reads the committed output; this script needs apt.
set -euo pipefail
cd "$(dirname "$0")"
need() { command -v "$1" >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null; }; }
need bible bible-kjv
need spm_train sentencepiece

books=(Genesis Exodus Leviticus Numbers Deuteronomy Joshua Judges Ruth "1Samuel" "2Samuel" "1Kings" "2Kings"
  "1Chronicles" "2Chronicles" Ezra Nehemiah Esther Job Psalms Proverbs Ecclesiastes "Song of Solomon" Isaiah Jeremiah
  Lamentations Ezekiel Daniel Hosea Joel Amos Obadiah Jonah Micah Nahum Habakkuk Zephaniah Haggai Zechariah Malachi
  Matthew Mark Luke John Acts Romans "1Corinthians" "2Corinthians" Galatians Ephesians Philippians Colossians
  "1Thessalonians" "2Thessalonians" "1Timothy" "2Timothy" Titus Philemon Hebrews James "1Peter" "2Peter"
  "1John" "2John" "3John" Jude Revelation)
rm -rf books && mkdir books
i=0
for b in "${books[@]}"; do
  i=$((i + 1))
  name=$(printf '%02d-%s.txt' "$i" "${b// /-}")
  # chapter:verse range past the end of every book stops at the book's last verse
  bible -l100 "${b}1:1-200:999" > "books/$name"
  [ -s "books/$name" ] || { echo "bible printed nothing for $b" >&2; exit 1; }
done
echo "wrote $(ls books | wc -l) books, $(cat books/*.txt | wc -c) bytes"

# LLaMA-2 tokenizer settings, smaller vocabulary
cat books/*.txt > /tmp/lwm-sample-corpus.txt
spm_train --input=/tmp/lwm-sample-corpus.txt --model_prefix=tokenizer --model_type=bpe --vocab_size=8000 \
  --character_coverage=0.99995 --byte_fallback=true --split_digits=true --normalization_rule_name=identity \
  --add_dummy_prefix=true --remove_extra_whitespaces=false --allow_whitespace_only_pieces=true \
  --split_by_unicode_script=true --split_by_number=true --split_by_whitespace=true \
  --max_sentence_length=16384 --unk_id=0 --bos_id=1 --eos_id=2 --pad_id=-1 \
  --input_sentence_size=0 --shuffle_input_sentence=false --num_threads=2 --minloglevel=1
rm -f tokenizer.vocab /tmp/lwm-sample-corpus.txt
echo "wrote tokenizer.model ($(stat -c %s tokenizer.model) bytes)"

# Three short clips (moving shapes, a counter, a bouncing ball) and their captions/QA sidecar, drawn by the
# vqgan-encode module's test fixture SampleClips and encoded with FFmpeg through JavaCV (needs a Maven build).
cd ..
mvn -B -q -pl vqgan-encode -am -DskipTests -Dquick install >/dev/null
mvn -B -q -pl vqgan-encode dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=/tmp/lwm-sample.cp >/dev/null
mvn -B -q -pl vqgan-encode test-compile >/dev/null
rm -rf samples/videos
java -cp "vqgan-encode/target/test-classes:vqgan-encode/target/classes:core/target/classes:$(cat /tmp/lwm-sample.cp)" org.lwm.vqgan.SampleClips samples/videos
rm -f /tmp/lwm-sample.cp
