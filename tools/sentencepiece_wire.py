"""Protobuf wire format, as much of it as the tools need to read and extend a
SentencePiece tokenizer.model (ModelProto) without the sentencepiece or
protobuf packages: varints and a message's top-level fields.

Used by tools/pad_tokenizer.py, tools/world/acceptance_by_word.py and
tools/fixtures/make_tokenizer_fixtures.py (its hand-made model).
"""


def encode_varint(n):
    """The varint bytes of a non-negative integer."""
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def read_varint(data, i):
    """The varint at data[i:] and the index after it."""
    shift = value = 0
    while True:
        b = data[i]
        i += 1
        value |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return value, i


def fields(data):
    """(field number, value) of each top-level field of a message: an int for
    varints, the bytes of the field for the other wire types."""
    i = 0
    while i < len(data):
        key, i = read_varint(data, i)
        field, wire = key >> 3, key & 7
        if wire == 0:
            value, i = read_varint(data, i)
        elif wire == 1:
            value, i = data[i:i + 8], i + 8
        elif wire == 2:
            n, i = read_varint(data, i)
            value, i = data[i:i + n], i + n
        elif wire == 5:
            value, i = data[i:i + 4], i + 4
        else:
            raise ValueError(f"unexpected wire type {wire} at byte {i}")
        yield field, value


def pieces(data):
    """The piece strings of a ModelProto (field 1, each a SentencePiece whose
    field 1 is the piece)."""
    return [next((p.decode("utf-8", "replace") for g, p in fields(v) if g == 1), "")
            for f, v in fields(data) if f == 1]
