#!/usr/bin/python3
"""Writes a synthetic Books3-like corpus for the ingest and corpus benchmarks, English from samples/books (KJV verses
in random order), about TOTAL_MB in all. SHAPE (default books):
  books      distinct books, sizes spread log-uniformly from 1 KB to 10 MB, one .txt file each;
  big-book   one single book of TOTAL_MB (issue 13's 200 MB case), one .txt file;
  tiny-docs  documents of 18-28 words drawn from the corpus's words (over ingest's 100-character minimum, none a
             duplicate of another) as Pile-style JSON lines ({"text": ..., "meta": {...}}) in 16 .jsonl files;
  tiny-docs-shared  the same but each document three verse beginnings of 40-100 characters, so ~100 documents share
             each piece (many MinHash band collisions, no near-duplicates).
Usage: make-books.py OUT_DIR TOTAL_MB [SEED [SHAPE]]"""
import json, math, os, random, sys

out, total_mb = sys.argv[1], float(sys.argv[2])
rnd = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 1)
shape = sys.argv[4] if len(sys.argv) > 4 else "books"
root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "samples", "books")
verses = []
for name in sorted(os.listdir(root)):
    with open(os.path.join(root, name), encoding="utf-8") as f:
        verses += [line.rstrip("\n") for line in f if line.strip()]
os.makedirs(out, exist_ok=True)
target = total_mb * 1e6


def text_of(size):
    parts, n = [], 0
    while n < size:
        v = verses[rnd.randrange(len(verses))]
        parts.append(v)
        n += len(v) + 1
    return "\n".join(parts) + "\n"


if shape == "books":
    written, i = 0, 0
    while written < target:
        size = int(math.exp(rnd.uniform(math.log(1e3), math.log(min(10e6, max(2e3, target - written))))))
        text = text_of(size)
        with open(os.path.join(out, "book-%05d.txt" % i), "w", encoding="utf-8") as f:
            f.write(text)
        written += len(text.encode("utf-8"))
        i += 1
    print("wrote %d books, %.1f MB in %s" % (i, written / 1e6, out))
elif shape == "big-book":
    written = 0
    with open(os.path.join(out, "big-book.txt"), "w", encoding="utf-8") as f:
        while written < target:  # in 1 MB pieces: the script never holds the whole book
            text = text_of(min(1e6, target - written))
            f.write(text)
            written += len(text.encode("utf-8"))
    print("wrote 1 book, %.1f MB in %s" % (written / 1e6, out))
elif shape in ("tiny-docs", "tiny-docs-shared"):
    pieces = shape == "tiny-docs-shared"
    words = sorted({w for v in verses for w in v.split() if w.isalpha()})
    files = [open(os.path.join(out, "docs-%02d.jsonl" % k), "w", encoding="utf-8") for k in range(16)]
    written, i = 0, 0
    while written < target:
        if pieces:  # three verse beginnings: ~100 documents share each, the adversarial case for MinHash banding
            text = " ".join(verses[rnd.randrange(len(verses))][:rnd.randint(40, 100)] for _ in range(3)) + "\n"
        else:  # 30-45 words drawn from the corpus's words: distinct short documents
            text = " ".join(words[rnd.randrange(len(words))] for _ in range(rnd.randint(18, 28))) + "\n"
        line = json.dumps({"text": text, "meta": {"pile_set_name": "Books3", "short_book_title": "doc %d" % i}}) + "\n"
        files[i % 16].write(line)
        written += len(line.encode("utf-8"))
        i += 1
    for f in files:
        f.close()
    print("wrote %d documents, %.1f MB in 16 files in %s" % (i, written / 1e6, out))
else:
    sys.exit("make-books.py: unknown SHAPE %r: books, big-book, tiny-docs or tiny-docs-shared" % shape)
