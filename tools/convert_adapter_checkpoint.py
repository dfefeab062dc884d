#!/usr/bin/env python3
"""Converts a research-pipeline adapter checkpoint to safetensors for libxsd.

The research code saves adapters with torch.save({'model_state_dict': ...,
'adapter_type': ..., 'config': ...}). libxsd reads safetensors, with the very
same tensor names (see lib/include/xsd/adapters/adapter_spec.h), so the
conversion only unpickles, checks and re-serialises:

    python3 tools/convert_adapter_checkpoint.py best_model.pt L4.safetensors [--kind L4]

Unpickling runs code from the file: convert only checkpoints you trust.
Needs torch; uses the `safetensors` package when installed, else a small
built-in writer of the same format.
"""
import argparse
import json
import struct
import sys

import torch

KIND_BY_TYPE = {
    "L1": "L1", "L2_MultiLayerBottleneck": "L2", "L3_WideBottleneck": "L3", "L4_Attention": "L4",
    "L5_EAGLE": "L5", "B1": "B1", "L5F_FusedEAGLE": "L5F",
}
DTYPES = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16", torch.float64: "F64"}


def guess_kind(state, adapter_type):
    if adapter_type in KIND_BY_TYPE:
        return KIND_BY_TYPE[adapter_type]
    keys = set(state)
    if "fusion_proj.weight" in keys:
        return "L5F"
    if "pos_embed" in keys:
        return "L5"  # B1 has the same keys: pass --kind B1
    if "output_proj.1.weight" in keys:
        return "L4"
    if "input_norm.weight" in keys and "alphas.0" in keys:
        return "L3"
    if "blocks.0.down_proj.weight" in keys:
        return "L2"
    if "layers.0.down_proj.weight" in keys:
        return "L1"
    raise SystemExit("cannot tell the adapter kind from the keys; pass --kind")


def write_safetensors(path, tensors, metadata):
    try:
        from safetensors.torch import save_file
        save_file(tensors, path, metadata=metadata)
        return
    except ImportError:
        pass
    header, offset, blobs = {"__metadata__": metadata}, 0, []
    for name in sorted(tensors):
        t = tensors[name].contiguous()
        if t.dtype not in DTYPES:
            raise SystemExit(f"tensor {name}: unsupported dtype {t.dtype}")
        data = t.view(torch.uint8).numpy().tobytes() if t.dtype == torch.bfloat16 else t.numpy().tobytes()
        header[name] = {"dtype": DTYPES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    raw = json.dumps(header, separators=(",", ":")).encode()
    raw += b" " * ((8 - len(raw) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(raw)))
        f.write(raw)
        for b in blobs:
            f.write(b)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("checkpoint")
    ap.add_argument("output")
    ap.add_argument("--kind", choices=["L1", "L2", "L3", "L4", "L5", "B1", "L5F"])
    args = ap.parse_args()
    ckpt = torch.load(args.checkpoint, map_location="cpu")
    state = ckpt.get("model_state_dict", ckpt) if isinstance(ckpt, dict) else None
    if not isinstance(state, dict):
        raise SystemExit(f"{args.checkpoint}: no model_state_dict")
    kind = args.kind or guess_kind(state, ckpt.get("adapter_type", ""))
    config = ckpt.get("config", {})
    if not isinstance(config, dict):  # the L1 class pickles a dataclass
        config = {k: getattr(config, k) for k in dir(config) if not k.startswith("_") and not callable(getattr(config, k))}
    tensors = {k: v.detach().cpu() for k, v in state.items() if torch.is_tensor(v)}
    metadata = {"adapter_kind": kind, "source": args.checkpoint, "config": json.dumps(config, default=str)}
    write_safetensors(args.output, tensors, metadata)
    print(f"{args.output}: {kind}, {len(tensors)} tensors, {sum(t.numel() for t in tensors.values()):,} parameters")


if __name__ == "__main__":
    sys.exit(main())
