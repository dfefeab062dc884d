"""GPU machine: what the first call at a new sequence length costs.

The bench's first request at each new prompt length spent ~70 ms more in the
LLM prefill than later ones (docs/PERFORMANCE.md run 10). libxsd's prefill
calls at::scaled_dot_product_attention (causal) and cuBLAS GEMMs through
ATen, as this script does through torch: for each SDPA backend and for the
qkv-shaped GEMM, the first call at a fresh length against the steady-state
time at that length (7B shapes: 32 heads of 128, bf16).

Usage: python3 tools/gpu/sdpa_first_call.py [--json PATH]
"""
import argparse
import json
import time

import torch
import torch.nn.functional as F
from torch.nn.attention import SDPBackend, sdpa_kernel


def timed(fn, reps=1):
    torch.cuda.synchronize()
    start = time.perf_counter()
    for _ in range(reps):
        fn()
    torch.cuda.synchronize()
    return (time.perf_counter() - start) * 1e3 / reps


def attention_case(length, backends):
    q, k, v = (torch.randn(1, 32, length, 128, device="cuda", dtype=torch.bfloat16) for _ in range(3))

    def call():
        if backends is None:  # torch's own choice, as libxsd's prefill gets it
            F.scaled_dot_product_attention(q, k, v, is_causal=True)
            return
        with sdpa_kernel(backends):
            F.scaled_dot_product_attention(q, k, v, is_causal=True)

    first = timed(call)
    return first, timed(call, reps=10)


def gemm_case(length):
    x = torch.randn(length, 4096, device="cuda", dtype=torch.bfloat16)
    w = torch.randn(12288, 4096, device="cuda", dtype=torch.bfloat16)

    def call():
        torch.nn.functional.linear(x, w)

    first = timed(call)
    return first, timed(call, reps=10)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--json", default="")
    args = parser.parse_args()
    torch.manual_seed(0)
    torch.randn(8, device="cuda")  # context and allocator up before any timing
    rows = []
    # Distinct lengths per case, so that every first call meets a new shape.
    cases = [
        ("sdpa default", None, [2073, 2074, 2083]),
        ("sdpa cudnn", [SDPBackend.CUDNN_ATTENTION], [2101, 2102, 2111]),
        ("sdpa flash", [SDPBackend.FLASH_ATTENTION], [2121, 2122, 2131]),
        ("sdpa efficient", [SDPBackend.EFFICIENT_ATTENTION], [2141, 2142, 2151]),
    ]
    for name, backends, lengths in cases:
        for length in lengths:
            try:
                first, steady = attention_case(length, backends)
            except RuntimeError as error:  # a backend that does not take the shape
                print(f"{name:16s} L={length}: {str(error).splitlines()[0][:100]}")
                continue
            rows.append({"case": name, "length": length, "first_ms": first, "steady_ms": steady})
            print(f"{name:16s} L={length}: first {first:8.2f} ms, steady {steady:6.3f} ms")
    for length in [2073, 2074, 2083, 2161]:
        first, steady = gemm_case(length)
        rows.append({"case": "gemm qkv", "length": length, "first_ms": first, "steady_ms": steady})
        print(f"{'gemm qkv':16s} L={length}: first {first:8.2f} ms, steady {steady:6.3f} ms")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"torch": torch.__version__, "rows": rows}, f, indent=1)


if __name__ == "__main__":
    main()
