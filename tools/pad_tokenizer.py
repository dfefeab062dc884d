#!/usr/bin/env python3
"""Pads a SentencePiece tokenizer directory to a larger vocabulary, so a small
test tokenizer can serve 7B-shaped random checkpoints (LLaMA's 32000 text
tokens): control pieces <xsd_pad_N> (never produced from text) are appended
to tokenizer.model, and tokens added after the text vocabulary
(added_tokens.json, tokenizer_config.json's added_tokens_decoder; Video-LLaVA's
<image>/<video>/<pad>) move up by the same amount. Needs no sentencepiece or
protobuf package: a repeated protobuf field may be appended to the message.

    python3 tools/pad_tokenizer.py tests/data/tokenizer/llama /tmp/tok32k --vocab 32000
"""
import argparse
import json
import os
import shutil
import struct

from sentencepiece_wire import encode_varint, fields


def count_pieces(data):
    """Number of field-1 (pieces) entries at the top level of ModelProto."""
    return sum(1 for field, _ in fields(data) if field == 1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("src")
    ap.add_argument("dst")
    ap.add_argument("--vocab", type=int, default=32000)
    a = ap.parse_args()
    os.makedirs(a.dst, exist_ok=True)
    data = open(os.path.join(a.src, "tokenizer.model"), "rb").read()
    have = count_pieces(data)
    if have > a.vocab:
        raise SystemExit(f"{a.src}: {have} pieces, more than --vocab {a.vocab}")
    extra = bytearray()
    for i in range(have, a.vocab):
        name = f"<xsd_pad_{i}>".encode()
        piece = (b"\x0a" + encode_varint(len(name)) + name + b"\x15" + struct.pack("<f", 0.0) +
                 b"\x18" + encode_varint(3))  # type CONTROL
        extra += b"\x0a" + encode_varint(len(piece)) + piece
    open(os.path.join(a.dst, "tokenizer.model"), "wb").write(data + bytes(extra))
    shift = a.vocab - have
    for name in ("special_tokens_map.json", "tokenizer.json"):
        if os.path.exists(os.path.join(a.src, name)) and name != "tokenizer.json":
            shutil.copy(os.path.join(a.src, name), os.path.join(a.dst, name))
    added_path = os.path.join(a.src, "added_tokens.json")
    if os.path.exists(added_path):
        added = {k: (v + shift if v >= have else v) for k, v in json.load(open(added_path)).items()}
        json.dump(added, open(os.path.join(a.dst, "added_tokens.json"), "w"), indent=2)
    config_path = os.path.join(a.src, "tokenizer_config.json")
    if os.path.exists(config_path):
        config = json.load(open(config_path))
        decoder = config.get("added_tokens_decoder", {})
        config["added_tokens_decoder"] = {str(int(k) + shift if int(k) >= have else int(k)): v for k, v in decoder.items()}
        json.dump(config, open(os.path.join(a.dst, "tokenizer_config.json"), "w"), indent=2)
    print(f"{a.dst}: {have} pieces + {shift} control pieces = {a.vocab}; added tokens moved up by {shift}")


if __name__ == "__main__":
    main()
