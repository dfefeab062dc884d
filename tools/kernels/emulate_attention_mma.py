#!/usr/bin/env python3
"""Checks attention_mma.cu's fragment mapping on the CPU (numpy, float64).

Re-enacts one block of MmaChunkKernel thread by thread: which features,
keys and query vectors each lane puts into each mma.sync m16n8k16 fragment
(the permuted k slots of the score pass, the byte-permuted value pairs of
the P·V pass), with the PTX fragment layout of the instruction itself, and
compares the block's partial (chunk max, unnormalised output) with a direct
float64 computation. Run it after editing the kernel's index arithmetic:
    python3 tools/kernels/emulate_attention_mma.py
It checks the mapping, not the rounding (values, not bits).
"""
import numpy as np

D, KEYS, WARPS = 128, 64, 4


def mma(c, a_regs, b_regs):
    """c[lane][0..3] += A·B for the m16n8k16 layout (a0..a3, b0..b1 per lane)."""
    a = np.full((16, 16), np.nan)
    b = np.full((16, 8), np.nan)
    for lane in range(32):
        g, t = lane >> 2, lane & 3
        ar, br = a_regs[lane], b_regs[lane]
        a[g, 2 * t], a[g, 2 * t + 1] = ar[0]
        a[g + 8, 2 * t], a[g + 8, 2 * t + 1] = ar[1]
        a[g, 2 * t + 8], a[g, 2 * t + 9] = ar[2]
        a[g + 8, 2 * t + 8], a[g + 8, 2 * t + 9] = ar[3]
        b[2 * t, g], b[2 * t + 1, g] = br[0]
        b[2 * t + 8, g], b[2 * t + 9, g] = br[1]
    assert not np.isnan(a).any() and not np.isnan(b).any(), "a fragment slot was never filled"
    prod = a @ b
    for lane in range(32):
        g, t = lane >> 2, lane & 3
        c[lane][0] += prod[g, 2 * t]
        c[lane][1] += prod[g, 2 * t + 1]
        c[lane][2] += prod[g + 8, 2 * t]
        c[lane][3] += prod[g + 8, 2 * t + 1]


def words(vec):
    """Consecutive element pairs as (low, high) 32-bit words."""
    return [(vec[2 * i], vec[2 * i + 1]) for i in range(len(vec) // 2)]


def run(rows, span, rng):
    keys = rng.standard_normal((KEYS, D))
    values = rng.standard_normal((KEYS, D))
    q = rng.standard_normal((rows, D))
    visible = np.arange(KEYS) < span
    keys[~visible] = np.nan  # keys past the span must never be read
    values[~visible] = np.nan
    scale = 1 / np.sqrt(D)
    tiles = (rows + 7) // 8
    score = np.zeros((WARPS, 32, tiles, 4))
    for w in range(WARPS):
        for n in range(tiles):
            c = [[0.0] * 4 for _ in range(32)]
            for cc in range(4):
                for s in range(2):
                    a_regs, b_regs = [], []
                    for lane in range(32):
                        g, t = lane >> 2, lane & 3
                        ka, kb = 16 * w + g, 16 * w + g + 8
                        cols = slice(32 * cc + 8 * t, 32 * cc + 8 * t + 8)
                        wa = words(keys[ka, cols] if ka < span else np.zeros(8))
                        wb = words(keys[kb, cols] if kb < span else np.zeros(8))
                        wq = words(q[min(8 * n + g, rows - 1), cols])
                        a_regs.append([wa[2 * s], wb[2 * s], wa[2 * s + 1], wb[2 * s + 1]])
                        b_regs.append([wq[2 * s], wq[2 * s + 1]])
                    mma(c, a_regs, b_regs)
            for lane in range(32):
                g, t = lane >> 2, lane & 3
                for e in range(4):
                    v, key = 8 * n + 2 * t + (e & 1), 16 * w + g + (0 if e < 2 else 8)
                    score[w, lane, n, e] = c[lane][e] * scale if v < rows and key < span else -np.inf
    p = np.zeros((8 * tiles, KEYS))
    top = np.zeros(8 * tiles)
    for n in range(tiles):
        for h in range(2):
            for t in range(4):
                v = 8 * n + 2 * t + h
                m = max(score[w, 4 * g + t, n, e] for w in range(WARPS) for g in range(8) for e in (h, h + 2))
                top[v] = m
                for w in range(WARPS):
                    for g in range(8):
                        for e, key in ((h, 16 * w + g), (h + 2, 16 * w + g + 8)):
                            p[v, key] = 0.0 if m == -np.inf else np.exp(score[w, 4 * g + t, n, e] - m)
    out = np.zeros((rows, D))
    for w in range(WARPS):
        for n in range(tiles):
            acc = [[[0.0] * 4 for _ in range(32)] for _ in range(2)]
            for s in range(4):
                for i in range(2):
                    a_regs, b_regs = [], []
                    for lane in range(32):
                        g, t = lane >> 2, lane & 3
                        f0 = 32 * w + 4 * g
                        pairs = []
                        for u in range(4):
                            j = 16 * s + 2 * t + (u & 1) + 8 * (u >> 1)
                            pairs.append(words(values[j, f0:f0 + 4] if j < span else np.zeros(4))[i])
                        lo = lambda x, y: (x[0], y[0])  # __byte_perm(x, y, 0x5410)
                        hi = lambda x, y: (x[1], y[1])  # __byte_perm(x, y, 0x7632)
                        a_regs.append([lo(pairs[0], pairs[1]), hi(pairs[0], pairs[1]),
                                       lo(pairs[2], pairs[3]), hi(pairs[2], pairs[3])])
                        row = 8 * n + g
                        b_regs.append([(p[row, 16 * s + 2 * t], p[row, 16 * s + 2 * t + 1]),
                                       (p[row, 16 * s + 2 * t + 8], p[row, 16 * s + 2 * t + 9])])
                    mma(acc[i], a_regs, b_regs)
            for lane in range(32):
                g, t = lane >> 2, lane & 3
                for h in range(2):
                    v = 8 * n + 2 * t + h
                    if v >= rows:
                        continue
                    for i in range(2):
                        out[v, 32 * w + 4 * g + 2 * i] = acc[i][lane][h]
                        out[v, 32 * w + 4 * g + 2 * i + 1] = acc[i][lane][h + 2]
    k0, v0 = np.where(visible[:, None], keys, 0), np.where(visible[:, None], values, 0)
    s_ref = q @ k0.T * scale
    s_ref[:, ~visible] = -np.inf
    m_ref = s_ref.max(1)
    ref = np.exp(s_ref - m_ref[:, None]) @ v0
    err = np.abs(out - ref).max()
    print(f"rows {rows:2d}, span {span:2d}: max |output - float64| = {err:.1e}, max |max - float64| = "
          f"{np.abs(top[:rows] - m_ref).max():.1e}")
    assert err < 1e-9 and np.abs(top[:rows] - m_ref).max() < 1e-12


if __name__ == "__main__":
    generator = np.random.default_rng(0)
    for rows, span in ((1, 64), (5, 64), (9, 10), (17, 50)):
        run(rows, span, generator)
    print("fragment mapping ok")
