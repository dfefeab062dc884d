#!/usr/bin/env python3
"""Where a replayed CUDA graph's time goes, from kernel_trace.csv files
(kernel_trace.cc): per graph, replays are split where a node id repeats;
per replay the span (first start to last end), the GPU time of its kernels,
and the idle time (the span not covered by any kernel); then, for the graph
with the most replays (the decode step) and the next two (verify steps), the
median time per replay of each kernel name, and the largest gaps between
consecutive kernels by the kinds of kernel before and after.

A kernel's time from its start overlaps its predecessor's under
programmatic dependent launch (it starts early and waits inside), so each
kernel also gets its exclusive time: from the later of its start and the
previous kernel's end to its own end. Exclusive times and idle time add up
to the span, so they say where the step's time goes.

Usage: summarize.py LABEL=trace.csv[.gz] [LABEL=trace.csv[.gz] ...]"""
import collections
import csv
import gzip
import re
import statistics
import subprocess
import sys


def demangle(names):
    try:
        out = subprocess.run(["c++filt"], input="\n".join(names), capture_output=True, text=True, check=True).stdout
        return dict(zip(names, out.split("\n")))
    except (OSError, subprocess.CalledProcessError):
        return {n: n for n in names}


def short(name):
    """The kernel's function name and its template arguments, namespaces dropped."""
    name = name.replace("(anonymous namespace)::", "").replace("__nv_bfloat16", "bf16")
    name = re.sub(r"\((?:[^()]|\([^()]*\))*\)$", "", name)  # the parameter list
    name = re.sub(r"^void ", "", name)
    name = re.sub(r"\b(?:\w+::)+(?=\w)", "", name)
    return name[:110]


def replays_of(rows):
    rows.sort(key=lambda r: r["start"])
    replays, seen = [], set()
    for r in rows:
        if not replays or r["node"] in seen:
            replays.append([])
            seen = set()
        replays[-1].append(r)
        seen.add(r["node"])
    return replays


def idle(replay):
    spans = sorted((r["start"], r["end"]) for r in replay)
    covered, cur_s, cur_e = 0, spans[0][0], spans[0][1]
    for s, e in spans[1:]:
        if s > cur_e:
            covered += cur_e - cur_s
            cur_s, cur_e = s, e
        else:
            cur_e = max(cur_e, e)
    covered += cur_e - cur_s
    return (spans[-1][1] - spans[0][0]) - covered


def med(values):
    return statistics.median(values) if values else 0.0


def exclusive(replay):
    """Per kernel of a replay (in start order): end - max(start, the latest end before it), at least 0."""
    out, last_end = [], None
    for r in replay:
        begin = r["start"] if last_end is None else max(r["start"], last_end)
        out.append(max(0, r["end"] - begin))
        last_end = r["end"] if last_end is None else max(last_end, r["end"])
    return out


def report(label, path):
    with (gzip.open(path, "rt") if path.endswith(".gz") else open(path)) as f:
        rows = list(csv.DictReader(f))
    names = demangle(sorted({r["name"] for r in rows}))
    graphs = collections.defaultdict(list)
    for r in rows:
        graph = int(r["graph_id"])
        if graph == 0:
            continue
        graphs[graph].append({"start": int(r["start_ns"]), "end": int(r["end_ns"]), "node": r["node_id"],
                              "name": short(names.get(r["name"], r["name"])), "grid": r["grid"], "block": r["block"],
                              "regs": r["registers"]})
    print(f"# {label}: {path}, {len(rows)} kernels, {len(graphs)} graphs")
    summaries = []
    for graph, grows in graphs.items():
        reps = replays_of(grows)
        longest = max(len(rep) for rep in reps)
        full = [rep for rep in reps if len(rep) == longest]
        if len(full) < 3:
            continue
        spans = [(rep[-1]["end"] - rep[0]["start"]) / 1e3 for rep in full]
        busy = [sum(r["end"] - r["start"] for r in rep) / 1e3 for rep in full]
        idles = [idle(rep) / 1e3 for rep in full]
        summaries.append((len(full), graph, len(full[0]), med(spans), med(busy), med(idles), full))
    summaries.sort(key=lambda s: -s[0])
    print("| graph | kernels | replays | span us | kernel time us | idle us |")
    print("|---|---|---|---|---|---|")
    for n, graph, k, span, busy, idl, _ in summaries:
        print(f"| {graph} | {k} | {n} | {span:.1f} | {busy:.1f} | {idl:.1f} |")
    for _, graph, _, _, _, _, full in summaries[:3]:
        detail(graph, full)


def detail(graph, full):
    print(f"\n## graph {graph}: per replay, by kernel")
    # One row per kernel name and grid (one kernel serves several shapes:
    # the grid tells them apart).
    def key(r):
        return (r["name"], r["grid"])

    per_name, per_name_excl = collections.defaultdict(list), collections.defaultdict(list)
    counts = collections.Counter(key(r) for r in full[0])
    info = {key(r): (r["block"], r["regs"]) for r in full[0]}
    for rep in full:
        totals, excl = collections.Counter(), collections.Counter()
        for r, e in zip(rep, exclusive(rep)):
            totals[key(r)] += (r["end"] - r["start"]) / 1e3
            excl[key(r)] += e / 1e3
        for name in counts:
            per_name[name].append(totals[name])
            per_name_excl[name].append(excl[name])
    print("| exclusive us per replay | us each | from start us per replay | count | grid | block | regs | kernel |")
    print("|---|---|---|---|---|---|---|---|")
    for k in sorted(per_name, key=lambda n: -med(per_name_excl[n])):
        total, own = med(per_name[k]), med(per_name_excl[k])
        block, regs = info[k]
        print(f"| {own:.1f} | {own / counts[k]:.2f} | {total:.1f} | {counts[k]} | {k[1]} | {block} | {regs} | {k[0]} |")
    # Gaps: next start minus previous end (negative: overlap), by the pair.
    gaps = collections.defaultdict(list)
    for rep in full:
        for a, b in zip(rep, rep[1:]):
            gaps[(a["name"][:40], b["name"][:40])].append((b["start"] - a["end"]) / 1e3)
    print("\n| gap us (median) | per replay | after | before |")
    print("|---|---|---|---|")
    for (a, b), values in sorted(gaps.items(), key=lambda kv: -med(kv[1]) * len(kv[1]))[:12]:
        print(f"| {med(values):.2f} | {len(values) // len(full)} | {a} | {b} |")
    print()


for arg in sys.argv[1:]:
    label, _, path = arg.partition("=")
    report(label, path)
