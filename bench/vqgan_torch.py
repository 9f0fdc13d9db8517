#!/usr/bin/env python3
"""bench/vqgan.sh's peer: LWM's VQGAN encoder in PyTorch (float32, CPU, NCHW; convolutions through oneDNN),
same weights (safetensors written by VqganBenchmark prepare) and frames, same thread count.
Usage: vqgan_torch.py DIR THREADS FRAMES BATCH"""
import json, struct, sys, time
import numpy as np
import torch
import torch.nn.functional as F

d, threads, frames, batch = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
torch.set_num_threads(threads)
with open(f"{d}/weights.safetensors", "rb") as f:
    n = struct.unpack("<Q", f.read(8))[0]
    header = json.loads(f.read(n))
    base = 8 + n
    raw = np.memmap(f"{d}/weights.safetensors", dtype=np.uint8, mode="r")
T = {}
for name, t in header.items():
    if name == "__metadata__" or not (name.startswith("encoder/") or name.startswith("quant")):
        continue
    a, b = t["data_offsets"]
    T[name] = torch.from_numpy(np.frombuffer(raw[base + a:base + b], dtype="<f4").reshape(t["shape"]).copy())
W = {}
for k, v in T.items():  # kernels to OIHW once, outside the timed part
    W[k] = v.permute(3, 2, 0, 1).contiguous() if k.endswith("/kernel") else v
levels = len([k for k in T if k.startswith("encoder/DownsamplingBlock_") and k.endswith("ResnetBlock_0/Conv_0/kernel")])
blocks = len([k for k in T if k.startswith("encoder/DownsamplingBlock_0/ResnetBlock_") and k.endswith("/Conv_0/kernel")])


def conv(x, p, down=False):
    if down:
        return F.conv2d(F.pad(x, (0, 1, 0, 1)), W[p + "/kernel"], W[p + "/bias"], stride=2)
    k = W[p + "/kernel"].shape[-1]
    return F.conv2d(x, W[p + "/kernel"], W[p + "/bias"], padding=k // 2)


def gn_silu(x, p):
    return F.silu(F.group_norm(x, 32, W[p + "/scale"], W[p + "/bias"], eps=1e-6))


def resnet(x, p):
    h = conv(gn_silu(x, p + "/GroupNorm_0"), p + "/Conv_0")
    h = conv(gn_silu(h, p + "/GroupNorm_1"), p + "/Conv_1")
    return h + (conv(x, p + "/Conv_2") if (p + "/Conv_2/kernel") in W else x)


emb = T["quantize/embeddings"]
emb_sq = (emb ** 2).sum(1)


def encode(x):
    h = conv(x, "encoder/Conv_0")
    for i in range(levels):
        for j in range(blocks):
            h = resnet(h, f"encoder/DownsamplingBlock_{i}/ResnetBlock_{j}")
        if i != levels - 1:
            h = conv(h, f"encoder/DownsamplingBlock_{i}/Downsample_0/Conv_0", down=True)
    h = resnet(h, "encoder/MidBlock_0/ResnetBlock_0")
    h = resnet(h, "encoder/MidBlock_0/ResnetBlock_1")
    z = conv(conv(gn_silu(h, "encoder/GroupNorm_0"), "encoder/Conv_1"), "quant_conv")
    flat = z.permute(0, 2, 3, 1).reshape(-1, z.shape[1])
    dist = (flat ** 2).sum(1, keepdim=True) + emb_sq[None, :] - 2 * flat @ emb.T
    return dist.argmin(1).reshape(x.shape[0], -1)


px = np.fromfile(f"{d}/frames.f32", dtype="<f4").reshape(-1, 256, 256, 3)
x = torch.from_numpy(px).permute(0, 3, 1, 2).contiguous()
with torch.no_grad():
    encode(x[:min(batch, frames)])  # warm-up
    out = []
    t0 = time.time()
    for f in range(0, frames, batch):
        out.append(encode(x[f:f + batch]))
    s = time.time() - t0
torch.cat(out).numpy().astype("<i4").tofile(f"{d}/codes-torch.i32")
print(f"pytorch threads={threads} frames={frames} batch={batch}  {frames / s:.3f} frames/s  (torch {torch.__version__}, oneDNN convolutions)")
