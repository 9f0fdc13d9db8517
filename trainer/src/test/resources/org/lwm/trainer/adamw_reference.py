#!/usr/bin/python3
"""torch.optim.AdamW + clip_grad_norm_ on the tensors AdamWTest wrote: meta.json (names, sizes, decays, lr per step,
betas, eps, weight_decay, max_norm), params.bin and grads_<step>.bin (float32, concatenated in the names' order).
Writes out.bin (the parameters after the steps) and norms.json (the norm before clipping, per step)."""
import json, sys
import numpy as np
import torch

d = sys.argv[1]
meta = json.load(open(f"{d}/meta.json"))
sizes = meta["sizes"]
offsets = np.cumsum([0] + sizes)
flat = np.fromfile(f"{d}/params.bin", dtype="<f4")
params = [torch.nn.Parameter(torch.from_numpy(flat[offsets[i]:offsets[i + 1]].copy())) for i in range(len(sizes))]
decay = [p for p, dec in zip(params, meta["decays"]) if dec]
keep = [p for p, dec in zip(params, meta["decays"]) if not dec]
opt = torch.optim.AdamW([{"params": decay, "weight_decay": meta["weight_decay"]}, {"params": keep, "weight_decay": 0.0}],
                        lr=meta["lr"][0], betas=tuple(meta["betas"]), eps=meta["eps"])
norms = []
for s, lr in enumerate(meta["lr"]):
    g = np.fromfile(f"{d}/grads_{s}.bin", dtype="<f4")
    for i, p in enumerate(params):
        p.grad = torch.from_numpy(g[offsets[i]:offsets[i + 1]].copy())
    norms.append(float(torch.nn.utils.clip_grad_norm_(params, meta["max_norm"])))
    for group in opt.param_groups:
        group["lr"] = lr
    opt.step()
np.concatenate([p.detach().numpy() for p in params]).astype("<f4").tofile(f"{d}/out.bin")
json.dump(norms, open(f"{d}/norms.json", "w"))
