#!/usr/bin/env python3
"""transformers eager (bf16, SDPA) Video-LLaVA on the checkpoint xsd_bench
used (a 7B-shaped random one written by xsd_make_checkpoint): prefill with 8
frames (vision tower + projector + LLM) and greedy decode of 30 tokens, on
one GPU, timed like xsd_bench (host clock around synchronised calls).

    python3 tools/gpu/hf_video_llava_perf.py --checkpoint DIR --json out.json
"""
import argparse
import json
import statistics
import time

import torch
from transformers import VideoLlavaForConditionalGeneration


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--checkpoint", required=True)
    ap.add_argument("--frames", type=int, default=8)
    ap.add_argument("--text_tokens", type=int, default=20)
    ap.add_argument("--new_tokens", type=int, default=30)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--json", default="")
    a = ap.parse_args()
    t = time.perf_counter()
    model = VideoLlavaForConditionalGeneration.from_pretrained(
        a.checkpoint, dtype=torch.bfloat16, attn_implementation="sdpa").to("cuda:0").eval()
    load_s = time.perf_counter() - t
    cfg = model.config
    size = cfg.vision_config.image_size
    per_frame = (size // cfg.vision_config.patch_size) ** 2 + 1
    video_tokens = a.frames * per_frame
    gen = torch.Generator(device="cuda").manual_seed(0)
    text = torch.randint(3, 1000, (a.text_tokens,), device="cuda", generator=gen)
    ids = torch.cat([torch.tensor([1], device="cuda"), text[:5],
                     torch.full((video_tokens,), cfg.video_token_index, device="cuda"), text[5:]]).unsqueeze(0)
    pixels = torch.randn(1, a.frames, 3, size, size, device="cuda", generator=gen).to(torch.bfloat16)
    prefill, decode, e2e = [], [], []
    with torch.inference_mode():
        for r in range(a.repeats + 1):
            torch.cuda.synchronize()
            t0 = time.perf_counter()
            out = model(input_ids=ids, pixel_values_videos=pixels, use_cache=True)
            tok = out.logits[:, -1].argmax(-1, keepdim=True)
            tok.cpu()
            t1 = time.perf_counter()
            cache = out.past_key_values
            steps = []
            for _ in range(a.new_tokens - 1):
                s0 = time.perf_counter()
                o = model(input_ids=tok, past_key_values=cache, use_cache=True)
                cache = o.past_key_values
                tok = o.logits[:, -1].argmax(-1, keepdim=True)
                tok.cpu()
                steps.append((time.perf_counter() - s0) * 1e3)
            t2 = time.perf_counter()
            if r:
                prefill.append((t1 - t0) * 1e3)
                decode.append(statistics.median(steps))
                e2e.append((t2 - t0) * 1e3)
    res = {"prompt_tokens": ids.shape[1], "load_s": load_s, "prefill_ms": statistics.median(prefill),
           "decode_ms_per_token": statistics.median(decode), "e2e_ms_30_tokens": statistics.median(e2e),
           "peak_gb": torch.cuda.max_memory_allocated(0) / 1e9}
    print("transformers Video-LLaVA (bf16, sdpa, eager):", json.dumps(res))
    if a.json:
        with open(a.json, "w") as f:
            json.dump(res, f)


if __name__ == "__main__":
    main()
