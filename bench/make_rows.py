#!/usr/bin/python3
"""Packed rows for the trainer benchmarks: N rows of L random text tokens, one example each (the reader's
defaults: weights 1/L, one segment, positions 0..L-1). usage: make_rows.py N L VOCAB OUT.jsonl"""
import json, random, sys

n, length, vocab, out = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
rng = random.Random(0)
with open(out, "w") as f:
    for i in range(n):
        ids = [rng.randrange(3, vocab) for _ in range(length + 1)]
        f.write(json.dumps({"seq_id": i, "input_ids": ids[:-1], "target_ids": ids[1:]}) + "\n")
