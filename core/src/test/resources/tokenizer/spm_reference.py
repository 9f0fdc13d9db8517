"""The SentencePiece library as the tests' reference (Debian's python3-sentencepiece).

encode MODEL IN OUT: IN has one JSON string per line; OUT gets the ids of each, space-separated.
decode MODEL IN OUT: IN has space-separated ids per line; OUT gets the JSON string of each decoding.
info MODEL: prints vocab size, bos, eos, unk ids.
"""
import json
import sys

import sentencepiece as spm


def main():
    cmd, model = sys.argv[1], sys.argv[2]
    sp = spm.SentencePieceProcessor()
    sp.Load(model)
    if cmd == "info":
        print(sp.GetPieceSize(), sp.bos_id(), sp.eos_id(), sp.unk_id())
        return
    src, dst = sys.argv[3], sys.argv[4]
    with open(src, encoding="utf-8") as f, open(dst, "w", encoding="utf-8") as out:
        for line in f:
            line = line.rstrip("\n")
            if cmd == "encode":
                ids = sp.EncodeAsIds(json.loads(line))
                out.write(" ".join(map(str, ids)) + "\n")
            elif cmd == "decode":
                ids = [int(x) for x in line.split()]
                out.write(json.dumps(sp.DecodeIds(ids)) + "\n")
            else:
                raise SystemExit("unknown command " + cmd)


if __name__ == "__main__":
    main()
