#!/usr/bin/python3
"""The peer of bench/pack.sh: LWM's two batching modes of its JsonVisionDataset (lwm/data.py), re-implemented
with the same buffer logic (Python lists, numpy batches of batch_size x seq_length), run on the same example
lengths as our packer. Reports fill, truncated tokens, examples cut across rows, and examples/s.

usage: lwm_modes.py LENGTHS L ROUND
"""
import sys
import time

import numpy as np

BOS = 1


def examples(lengths):
    for n in lengths:
        tokens = [k % 8000 for k in range(n)]
        yield tokens, [0.0] + [1.0] * (n - 1), [False] * n


def pad(lengths, seq_length, batch_size=8):
    """One example per row, cut to seq_length+1 tokens, padded with BOS (LWM's 'pad' mode)."""
    rows = used = truncated = 0
    buffer = []
    for tokens, loss, vision in examples(lengths):
        buffer.append((tokens, loss, vision))
        while len(buffer) >= batch_size:
            batch = {k: np.full((batch_size, seq_length), BOS, dtype=np.int32) for k in ('input_tokens', 'target_tokens')}
            batch['loss_masks'] = np.zeros((batch_size, seq_length), dtype=np.float32)
            for i in range(batch_size):
                tok, lm, vm = buffer[i]
                if len(tok) > seq_length:
                    truncated += len(tok) - (seq_length + 1) if len(tok) > seq_length + 1 else 0
                    tok, lm = tok[:seq_length + 1], lm[1:seq_length + 1]
                batch['input_tokens'][i, :len(tok) - 1] = tok[:-1]
                batch['target_tokens'][i, :len(tok) - 1] = tok[1:]
                batch['loss_masks'][i, :len(lm[1:])] = lm[1:]
                used += len(tok) - 1
                rows += 1
            buffer = buffer[batch_size:]
    return rows, used, truncated, 0


def no_pad(lengths, seq_length, batch_size=8):
    """Examples concatenated and cut into rows wherever the row ends (LWM's 'no_pad' mode)."""
    chunk = batch_size * seq_length
    rows = 0
    token_buffer, loss_buffer = [], []
    for tokens, loss, vision in examples(lengths):
        token_buffer.extend(tokens)
        loss_buffer.extend(loss)
        while len(token_buffer) > chunk + 1:
            batch = {
                'input_tokens': np.array(token_buffer[:chunk], dtype=np.int32).reshape(batch_size, -1),
                'target_tokens': np.array(token_buffer[1:chunk + 1], dtype=np.int32).reshape(batch_size, -1),
                'loss_masks': np.array(loss_buffer[1:chunk + 1], dtype=np.float32).reshape(batch_size, -1),
            }
            rows += batch_size
            token_buffer, loss_buffer = token_buffer[chunk:], loss_buffer[chunk:]
    # examples whose tokens straddle a row boundary, among those emitted
    cut, start, end_all = 0, 0, rows * seq_length
    for n in lengths:
        end = start + n
        if start >= end_all:
            break
        if start // seq_length != (min(end, end_all) - 1) // seq_length:
            cut += 1
        start = end
    return rows, rows * seq_length, 0, cut


def main():
    lengths = [int(x) for x in open(sys.argv[1])]
    seq_length, rnd = int(sys.argv[2]), sys.argv[3]
    longer = sum(1 for n in lengths if n - 1 > seq_length)
    for name, fn in (('pad', pad), ('no_pad', no_pad)):
        t0 = time.perf_counter()
        rows, used, truncated, cut = fn(lengths, seq_length)
        sec = time.perf_counter() - t0
        print(f'LWM {name:6s} L={seq_length} round {rnd}: {len(lengths)} examples → {rows} rows, fill {used / (rows * seq_length):.4f}, '
              f'truncated {truncated} tokens, cut {cut} (longer than L: {longer}), {len(lengths) / sec:.0f} examples/s')


if __name__ == '__main__':
    main()
