#!/usr/bin/python3
"""Independent reference for the formatter test: LWM's TextProcessor / VisionTextProcessor semantics
(lwm/data.py), re-implemented here on Debian's sentencepiece and numpy.

usage: lwm_processors_reference.py MODEL INPUT.jsonl OUTPUT.jsonl [--compat] [--max-n-frames N] [--prepend TEXT]

Each input line is a record whose "fields" key holds the spec; a record with any key containing 'vision'
goes through the vision processor, any other through the text processor (as LWM's json / json_vision
datasets do). --compat encodes like LWM's LLaMA tokenizer with add_bos_token (a BOS before each encode).
"""
import json
import random
import sys

import numpy as np
import sentencepiece

EOF_TOKEN, EOV_TOKEN, PER_FRAME = 8192, 8193, 256


class Tokenizer:
    def __init__(self, model, compat):
        self.sp = sentencepiece.SentencePieceProcessor(model_file=model)
        self.compat = compat
        self.bos_token_id = self.sp.bos_id()
        self.eos_token_id = self.sp.eos_id()

    def encode(self, text):
        ids = self.sp.encode(text)
        return [self.bos_token_id] + ids if self.compat else ids


def split_field(field):
    if field.startswith('[') and field.endswith(']'):
        return field[1:-1], 0.0
    return field, 1.0


def text_tokens(tok, example, name, first, prepend):
    text = ' '.join(example[key] for key in name.split('+'))
    if first:
        text = prepend + text
    return tok.encode(text)


def text_processor(tok, example, prepend):
    tokens, loss = [tok.bos_token_id], [0.0]
    for i, field in enumerate(example['fields'].split(',')):
        name, mask = split_field(field)
        if name == '<|bos|>':
            piece = [tok.bos_token_id]
        elif name == '<|eos|>':
            piece = [tok.eos_token_id]
        else:
            piece = text_tokens(tok, example, name, i == 0, prepend)
        tokens += piece
        loss += [mask] * len(piece)
    tokens.append(tok.eos_token_id)
    loss.append(1.0)
    return tokens, loss, [False] * len(tokens)


def vision_processor(tok, example, prepend, max_n_frames, index):
    start, end = tok.encode('<vision>'), tok.encode('</vision>')
    tokens, loss, vision = [tok.bos_token_id], [0.0], [False]
    specs = example['fields']
    if isinstance(specs, list):
        specs = random.Random(index).choice(specs)  # LWM seeds the choice with the line index
    for i, field in enumerate(specs.split(',')):
        name, mask = split_field(field)
        if name in ('<|bos|>', '<|eos|>'):
            piece = [tok.bos_token_id if name == '<|bos|>' else tok.eos_token_id]
            flags = [False]
        elif 'vision' in name:
            codes = example[name]
            n = len(codes) // PER_FRAME
            frames = list(range(n))
            if 0 < max_n_frames < n:
                frames = list(np.linspace(0, n - 1, max_n_frames).astype(int))
            piece, flags = list(start), [False] * len(start)
            for j, f in enumerate(frames):
                piece += codes[f * PER_FRAME:(f + 1) * PER_FRAME]
                piece.append(EOV_TOKEN if j == len(frames) - 1 else EOF_TOKEN)
                flags += [True] * (PER_FRAME + 1)
            piece += end
            flags += [False] * len(end)
        else:
            piece = text_tokens(tok, example, name, i == 0, prepend)
            flags = [False] * len(piece)
        tokens += piece
        loss += [mask] * len(piece)
        vision += flags
    tokens.append(tok.eos_token_id)
    loss.append(1.0)
    vision.append(False)
    return tokens, loss, vision


def main(argv):
    model, src, dst = argv[1:4]
    rest = argv[4:]
    compat = '--compat' in rest
    max_n_frames = int(rest[rest.index('--max-n-frames') + 1]) if '--max-n-frames' in rest else -1
    prepend = rest[rest.index('--prepend') + 1] if '--prepend' in rest else ''
    tok = Tokenizer(model, compat)
    with open(src, encoding='utf-8') as fin, open(dst, 'w', encoding='utf-8') as fout:
        for index, line in enumerate(fin):
            if not line.strip():
                continue
            example = json.loads(line)
            if any('vision' in key for key in example):
                out = vision_processor(tok, example, prepend, max_n_frames, index)
            else:
                out = text_processor(tok, example, prepend)
            fout.write(json.dumps({'tokens': out[0], 'loss_mask': out[1], 'vision_mask': out[2]}) + '\n')


if __name__ == '__main__':
    main(sys.argv)
