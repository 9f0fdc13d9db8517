#!/usr/bin/python3
"""Writes a synthetic Books3-like corpus for bench/ingest.sh: N distinct books of English (KJV verses from
samples/books in random order), sizes spread log-uniformly from 1 KB to 10 MB, about TOTAL_MB in all.
Usage: make-books.py OUT_DIR TOTAL_MB [SEED]"""
import math, os, random, sys

out, total_mb = sys.argv[1], float(sys.argv[2])
rnd = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 1)
root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "samples", "books")
verses = []
for name in sorted(os.listdir(root)):
    with open(os.path.join(root, name), encoding="utf-8") as f:
        verses += [line.rstrip("\n") for line in f if line.strip()]
os.makedirs(out, exist_ok=True)
target, written, i = total_mb * 1e6, 0, 0
while written < target:
    size = int(math.exp(rnd.uniform(math.log(1e3), math.log(min(10e6, max(2e3, target - written))))))
    parts, n = [], 0
    while n < size:
        v = verses[rnd.randrange(len(verses))]
        parts.append(v)
        n += len(v) + 1
    text = "\n".join(parts) + "\n"
    with open(os.path.join(out, "book-%05d.txt" % i), "w", encoding="utf-8") as f:
        f.write(text)
    written += len(text.encode("utf-8"))
    i += 1
print("wrote %d books, %.1f MB in %s" % (i, written / 1e6, out))
