#!/usr/bin/env python3
"""Acceptance per draft position and per word class from an xsd_bench run on
the driving world (docs/training.md).

Usage: python3 tools/world/acceptance_by_word.py RUN.jsonl [TOKENIZER_MODEL]

Per config: drafts accepted at each chain depth (the records' drafted_at_depth /
accepted_at_depth), and, for each word class of the target's answer (class,
colour, count, lane, motion, other; docs/world.md), how many of the answer's
tokens of that class came from an accepted draft and how many were a rejected
draft's correction. The tokens of each round come from the record's timeline:
the drafter's draft events since the last verify give the round's drafts
(prefill hiding's first round: hidden_drafts_verified), the verify event its
`accepted` drafts and `tokens` emitted. A token the target chose after a
round that accepted every draft (a bonus) counts as neither.

Reads the SentencePiece model's pieces with tools/sentencepiece_wire.py; no
dependency beyond Python 3.
"""
import json
import os
import sys
from collections import defaultdict

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from sentencepiece_wire import pieces  # noqa: E402  (tools/, above)

CLASS = {"car", "truck", "bus", "pedestrian", "cyclist", "cars", "trucks", "buses", "pedestrians", "cyclists"}
COLOR = {"red", "blue", "green", "yellow", "white", "black"}
COUNT = {"a", "no", "yes", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"}
MOTION = {"moves", "closer", "away", "stopped", "slowly", "fast", "is", "moving", "toward"}
LANE = {"left", "center", "right"}


def word_classes(token_pieces):
    """The word class of each token: the class of the word it belongs to."""
    words, owner = [], []
    for p in token_pieces:
        if p.startswith("\u2581") or not words:
            words.append("")
        words[-1] += p.replace("\u2581", "")
        owner.append(len(words) - 1)
    clean = [w.strip(".,:;").lower() for w in words]
    cls = []
    for k, w in enumerate(clean):
        nxt = clean[k + 1] if k + 1 < len(clean) else ""
        prev = clean[k - 1] if k > 0 else ""
        if w in CLASS:
            cls.append("class")
        elif w in COLOR:
            cls.append("colour")
        elif w in LANE and nxt == "lane":
            cls.append("lane")
        elif w in LANE or w in MOTION or (w in {"left", "right"} and prev == "moves"):
            cls.append("motion")
        elif w in COUNT:
            cls.append("count")
        else:
            cls.append("other")
    return [cls[o] for o in owner]


def main():
    run = sys.argv[1]
    tok = sys.argv[2] if len(sys.argv) > 2 else "configs/world/models/video_llava/tokenizer.model"
    with open(tok, "rb") as f:
        vocab = pieces(f.read())
    depth = defaultdict(lambda: [[], []])  # config -> [drafted per depth, accepted per depth]
    words = defaultdict(lambda: defaultdict(lambda: [0, 0, 0]))  # config -> class -> [accepted, rejected, tokens]
    for line in open(run):
        d = json.loads(line)
        if d.get("kind") != "record":
            continue
        r, name = d["result"], d["config"]
        st = r["stats"]
        dd, aa = depth[name]
        for k, n in enumerate(st.get("drafted_at_depth", [])):
            while len(dd) <= k:
                dd.append(0)
                aa.append(0)
            dd[k] += n
            aa[k] += st["accepted_at_depth"][k]
        tokens = r["tokens"]
        cls = word_classes([vocab[t] if 0 <= t < len(vocab) else "" for t in tokens])
        label = ["" for _ in tokens]  # "acc", "rej", or "" (the target's own / a bonus)
        hidden_ver = st.get("hidden_drafts_verified", 0)
        pos = 1  # token 0 is the target prefill's own
        drafted = 0
        first_verify = True
        for e in r.get("timeline", []):
            if e["lane"] == "drafter" and e["phase"] == "draft":
                drafted += e["tokens"]
                continue
            if e["lane"] != "target" or e["phase"] != "verify":
                continue
            if first_verify and hidden_ver > 0:
                drafted = hidden_ver  # the lane's chain, its first node dropped
            first_verify = False
            acc = e["accepted"]
            for _ in range(acc):
                if pos < len(label):
                    label[pos] = "acc"
                pos += 1
            if e["tokens"] > acc:  # the target's own token: a correction where a draft was left
                if pos < len(label) and drafted > acc:
                    label[pos] = "rej"
                pos += 1
            drafted = 0
        for c, l in zip(cls, label):
            w = words[name][c]
            w[2] += 1
            if l == "acc":
                w[0] += 1
            elif l == "rej":
                w[1] += 1
    order = ["class", "colour", "count", "lane", "motion", "other"]
    print("## Acceptance per draft position (accepted / drafted at depth 1, 2, 3, ...)\n")
    print("| config | " + " | ".join("depth %d" % (k + 1) for k in range(6)) + " |")
    print("|---|" + "---|" * 6)
    for name, (dd, aa) in depth.items():
        if not dd:
            continue
        cells = ["%.0f %% (%d)" % (100.0 * a / n, n) if n else "" for a, n in zip(aa[:6], dd[:6])]
        cells += [""] * (6 - len(cells))
        print("| %s | %s |" % (name, " | ".join(cells)))
    print("\n## Per word class: answer tokens from accepted drafts / rejected drafts (share of that class's tokens)\n")
    print("| config | " + " | ".join(order) + " |")
    print("|---|" + "---|" * len(order))
    for name, per in words.items():
        if all(per[c][0] + per[c][1] == 0 for c in order):
            continue
        cells = []
        for c in order:
            a, rj, n = per[c]
            cells.append("%.0f %% / %.0f %%" % (100.0 * a / n, 100.0 * rj / n) if n else "")
        print("| %s | %s |" % (name, " | ".join(cells)))


if __name__ == "__main__":
    main()
