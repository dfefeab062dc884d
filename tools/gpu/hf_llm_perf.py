#!/usr/bin/env python3
"""What a researcher would use instead of libxsd: transformers eager (bf16,
SDPA) on the same shapes, same GPU, same protocol as xsd_llm_perf (random
weights; prefill of N tokens; per-token decode with the KV cache; verify of
gamma tokens = one forward over gamma + 1 rows, then the cache is cropped).

    python3 tools/gpu/hf_llm_perf.py --vocab 32064 --prompt 2076 --json out.json
"""
import argparse
import json
import statistics
import time

import torch
from transformers import DynamicCache, LlamaConfig, LlamaForCausalLM


def timed(fn):
    torch.cuda.synchronize()
    t = time.perf_counter()
    out = fn()
    torch.cuda.synchronize()
    return out, (time.perf_counter() - t) * 1e3


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vocab", type=int, default=32064)
    ap.add_argument("--prompt", type=int, default=2076)
    ap.add_argument("--decode", type=int, default=64)
    ap.add_argument("--gammas", default="1,2,4,8,16,32")
    ap.add_argument("--repeats", type=int, default=10)
    ap.add_argument("--json", default="")
    a = ap.parse_args()
    cfg = LlamaConfig(vocab_size=a.vocab, hidden_size=4096, intermediate_size=11008, num_hidden_layers=32,
                      num_attention_heads=32, num_key_value_heads=32, max_position_embeddings=4096,
                      rms_norm_eps=1e-5, rope_theta=10000.0, attn_implementation="sdpa")
    torch.set_default_dtype(torch.bfloat16)
    with torch.device("cuda"):
        model = LlamaForCausalLM(cfg).eval()
    torch.set_default_dtype(torch.float32)
    gen = torch.Generator(device="cuda").manual_seed(0)
    ids = torch.randint(1, a.vocab, (1, a.prompt), device="cuda", generator=gen)
    with torch.inference_mode():
        prefill = []
        for r in range(a.repeats + 1):
            cache = DynamicCache()
            out, ms = timed(lambda: model(ids, past_key_values=cache, use_cache=True))
            if r:
                prefill.append(ms)
        tok = out.logits[:, -1].argmax(-1, keepdim=True)
        decode = []
        for s in range(a.decode):
            def step():
                o = model(tok, past_key_values=cache, use_cache=True)
                return o.logits[:, -1].argmax(-1, keepdim=True).cpu()
            nxt, ms = timed(step)
            tok = nxt.cuda()
            if s >= 3:
                decode.append(ms)
        step_ms = statistics.median(decode)
        verify = {}
        for g in [int(x) for x in a.gammas.split(",")]:
            ms_list = []
            for r in range(a.repeats + 2):
                base = cache.get_seq_length()
                rows = torch.randint(0, a.vocab, (1, g + 1), device="cuda", generator=gen)
                def fwd():
                    o = model(rows, past_key_values=cache, use_cache=True)
                    return o.logits[0].argmax(-1).cpu()
                _, ms = timed(fwd)
                cache.crop(base + 1)
                if r >= 2:
                    ms_list.append(ms)
            verify[g] = statistics.median(ms_list)
    res = {"impl": "transformers eager sdpa bf16", "vocab": a.vocab, "prompt": a.prompt,
           "prefill_ms": statistics.median(prefill), "decode_ms": step_ms, "verify_ms": verify}
    print(f"transformers vocab={a.vocab} prompt={a.prompt}")
    print("| measure | ms | x decode step |\n|---|---|---|")
    print(f"| prefill {a.prompt} tokens | {res['prefill_ms']:.2f} | |")
    print(f"| decode step | {step_ms:.3f} | 1.00 |")
    for g, ms in verify.items():
        print(f"| verify gamma={g} ({g + 1} rows) | {ms:.3f} | {ms / step_ms:.2f} |")
    if a.json:
        json.dump(res, open(a.json, "w"), indent=1)


if __name__ == "__main__":
    main()
