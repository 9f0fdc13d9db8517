#!/usr/bin/python3
"""Peers for bench/qa.sh, run by QaBenchmark in the same run as our figures.

  qa-peer.py decode MODEL TOKENS_FILE CHUNK   SentencePiece's own decoder (C++ behind Python) cutting the same token
                                              arrays into CHUNK-token blocks and decoding each; prints chunks/s.
  qa-peer.py http URL CONCURRENCY N PASSAGE   N chat-completions requests from a Python thread pool (urllib, as a
                                              simple generation script would send them); prints requests/s.
"""
import json, sys, time, urllib.request
from concurrent.futures import ThreadPoolExecutor

def decode(model, tokens_file, chunk):
    import sentencepiece as spm
    sp = spm.SentencePieceProcessor(model_file=model)
    books = [list(map(int, line.split())) for line in open(tokens_file) if line.strip()]
    for ids in books[:3]:  # warm-up
        sp.decode(ids[:chunk])
    t0 = time.perf_counter(); n = 0
    for ids in books:
        for s in range(0, len(ids), chunk):
            sp.decode(ids[s:s + chunk]); n += 1
    dt = time.perf_counter() - t0
    print(f"{n} {dt:.4f} {n / dt:.1f}")

def http(url, concurrency, n, passage):
    body = json.dumps({"model": "local", "messages": [{"role": "user", "content": "Passage:\n" + passage}],
                       "temperature": 0.7, "max_tokens": 256}).encode()
    def one(_):
        req = urllib.request.Request(url + "/chat/completions", data=body, headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=30) as r:
            json.loads(r.read())["choices"][0]["message"]["content"]
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(one, range(min(n, concurrency))))  # warm-up: one round
        t0 = time.perf_counter()
        list(pool.map(one, range(n)))
        dt = time.perf_counter() - t0
    print(f"{n} {dt:.4f} {n / dt:.1f}")

if __name__ == "__main__":
    if sys.argv[1] == "decode":
        decode(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    else:
        http(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5])
