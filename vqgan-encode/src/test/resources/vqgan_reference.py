#!/usr/bin/env python3
"""Independent float64 reference of LWM's VQGAN (lwm/vqgan.py semantics) in PyTorch, for the Java tests.

Makes random weights for a given architecture, saves them as LWM saves its checkpoint (a pickle of nested
dicts of numpy arrays with Flax names) and as safetensors, makes random images, and writes what the model
computes on them in float64: pre-quantisation latents, codes, the gap between the two nearest codes, and
the images decoded from the codes. All arrays are written raw, little-endian.
"""
import argparse, json, os, pickle, struct
import numpy as np
import torch
import torch.nn.functional as F

p = argparse.ArgumentParser()
p.add_argument("--out", required=True)
p.add_argument("--seed", type=int, default=0)
p.add_argument("--hidden", type=int, default=32)
p.add_argument("--mult", default="1,2,2,3")
p.add_argument("--blocks", type=int, default=2)
p.add_argument("--z", type=int, default=16)
p.add_argument("--codes", type=int, default=512)
p.add_argument("--dim", type=int, default=16)
p.add_argument("--size", type=int, default=64)
p.add_argument("--n", type=int, default=3)
p.add_argument("--protocol", type=int, default=pickle.DEFAULT_PROTOCOL)
p.add_argument("--no-decode", action="store_true")
a = p.parse_args()
mult = [int(m) for m in a.mult.split(",")]
L = len(mult)
rng = np.random.default_rng(a.seed)
params = {}  # flat "a/b/c" -> float32 array


def put(name, arr):
    params[name] = np.asarray(arr, dtype=np.float32)


def conv_p(path, k, cin, cout):
    put(path + "/kernel", rng.normal(0, 1 / np.sqrt(k * k * cin), (k, k, cin, cout)))
    put(path + "/bias", rng.normal(0, 0.05, (cout,)))


def norm_p(path, c):
    put(path + "/scale", 1 + rng.normal(0, 0.1, (c,)))
    put(path + "/bias", rng.normal(0, 0.1, (c,)))


def resnet_p(path, cin, cout):
    norm_p(path + "/GroupNorm_0", cin)
    conv_p(path + "/Conv_0", 3, cin, cout)
    norm_p(path + "/GroupNorm_1", cout)
    conv_p(path + "/Conv_1", 3, cout, cout)
    if cin != cout:
        conv_p(path + "/Conv_2", 1, cin, cout)


# --- the parameter tree, as Flax names LWM's modules ---
conv_p("encoder/Conv_0", 3, 3, a.hidden)
c = a.hidden
for i in range(L):
    for j in range(a.blocks):
        resnet_p(f"encoder/DownsamplingBlock_{i}/ResnetBlock_{j}", c, a.hidden * mult[i]); c = a.hidden * mult[i]
    if i != L - 1:
        conv_p(f"encoder/DownsamplingBlock_{i}/Downsample_0/Conv_0", 3, c, c)
resnet_p("encoder/MidBlock_0/ResnetBlock_0", c, c)
resnet_p("encoder/MidBlock_0/ResnetBlock_1", c, c)
norm_p("encoder/GroupNorm_0", c)
conv_p("encoder/Conv_1", 3, c, a.z)
conv_p("quant_conv", 1, a.z, a.dim)
put("quantize/embeddings", rng.normal(0, 1, (a.codes, a.dim)))
conv_p("post_quant_conv", 1, a.dim, a.z)
c = a.hidden * mult[L - 1]
conv_p("decoder/Conv_0", 3, a.z, c)
resnet_p("decoder/MidBlock_0/ResnetBlock_0", c, c)
resnet_p("decoder/MidBlock_0/ResnetBlock_1", c, c)
for k in range(L):  # Flax numbers blocks in creation order: UpsamplingBlock_0 is the last level
    level = L - 1 - k
    for j in range(a.blocks + 1):
        resnet_p(f"decoder/UpsamplingBlock_{k}/ResnetBlock_{j}", c, a.hidden * mult[level]); c = a.hidden * mult[level]
    if level != 0:
        conv_p(f"decoder/UpsamplingBlock_{k}/Upsample_0/Conv_0", 3, c, c)
norm_p("decoder/GroupNorm_0", c)
conv_p("decoder/Conv_1", 3, c, 3)

os.makedirs(a.out, exist_ok=True)
tree = {}
for name, arr in params.items():
    node = tree
    parts = name.split("/")
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = arr
with open(os.path.join(a.out, "weights.pkl"), "wb") as f:
    pickle.dump(tree, f, protocol=a.protocol)
# safetensors by hand (the format is a length, a JSON header and the raw data)
header, blobs, off = {}, [], 0
for name in sorted(params):
    arr = np.ascontiguousarray(params[name], dtype="<f4")
    header[name] = {"dtype": "F32", "shape": list(arr.shape), "data_offsets": [off, off + arr.nbytes]}
    blobs.append(arr.tobytes()); off += arr.nbytes
h = json.dumps(header).encode()
h += b" " * ((8 - len(h) % 8) % 8)
with open(os.path.join(a.out, "weights.safetensors"), "wb") as f:
    f.write(struct.pack("<Q", len(h))); f.write(h)
    for b in blobs: f.write(b)

# --- the model, float64, NCHW ---
T = {k: torch.from_numpy(v.astype(np.float64)) for k, v in params.items()}


def conv(x, path, stride=1, pad="same"):
    w = T[path + "/kernel"].permute(3, 2, 0, 1)  # HWIO -> OIHW
    k = w.shape[-1]
    if pad == "same":
        return F.conv2d(x, w, T[path + "/bias"], stride=1, padding=k // 2)
    x = F.pad(x, (0, 1, 0, 1))  # Downsample: pad bottom/right by one, then VALID
    return F.conv2d(x, w, T[path + "/bias"], stride=stride)


def gn(x, path):
    return F.group_norm(x, 32, T[path + "/scale"], T[path + "/bias"], eps=1e-6)


def resnet(x, path):
    h = conv(F.silu(gn(x, path + "/GroupNorm_0")), path + "/Conv_0")
    h = conv(F.silu(gn(h, path + "/GroupNorm_1")), path + "/Conv_1")
    if (path + "/Conv_2/kernel") in T:
        x = conv(x, path + "/Conv_2")
    return h + x


def encode(x):
    h = conv(x, "encoder/Conv_0")
    for i in range(L):
        for j in range(a.blocks):
            h = resnet(h, f"encoder/DownsamplingBlock_{i}/ResnetBlock_{j}")
        if i != L - 1:
            h = conv(h, f"encoder/DownsamplingBlock_{i}/Downsample_0/Conv_0", stride=2, pad="valid")
    h = resnet(h, "encoder/MidBlock_0/ResnetBlock_0")
    h = resnet(h, "encoder/MidBlock_0/ResnetBlock_1")
    h = conv(F.silu(gn(h, "encoder/GroupNorm_0")), "encoder/Conv_1")
    return conv(h, "quant_conv")


def decode(zq):
    h = conv(conv(zq, "post_quant_conv"), "decoder/Conv_0")
    h = resnet(h, "decoder/MidBlock_0/ResnetBlock_0")
    h = resnet(h, "decoder/MidBlock_0/ResnetBlock_1")
    for k in range(L):
        level = L - 1 - k
        for j in range(a.blocks + 1):
            h = resnet(h, f"decoder/UpsamplingBlock_{k}/ResnetBlock_{j}")
        if level != 0:
            h = conv(F.interpolate(h, scale_factor=2, mode="nearest"), f"decoder/UpsamplingBlock_{k}/Upsample_0/Conv_0")
    h = conv(F.silu(gn(h, "decoder/GroupNorm_0")), "decoder/Conv_1")
    return h.clamp(-1, 1)


images = rng.uniform(-1, 1, (a.n, a.size, a.size, 3)).astype(np.float32)
images.astype("<f4").tofile(os.path.join(a.out, "images.f32"))
with torch.no_grad():
    z = encode(torch.from_numpy(images.astype(np.float64)).permute(0, 3, 1, 2)).permute(0, 2, 3, 1)  # NHWC
    flat = z.reshape(-1, a.dim)
    e = T["quantize/embeddings"]
    d = (flat ** 2).sum(1, keepdim=True) + (e ** 2).sum(1)[None, :] - 2 * flat @ e.T
    two = torch.topk(d, 2, dim=1, largest=False)
    codes = two.indices[:, 0]
    gap = two.values[:, 1] - two.values[:, 0]
    z.numpy().astype("<f4").tofile(os.path.join(a.out, "latents.f32"))
    codes.numpy().astype("<i4").tofile(os.path.join(a.out, "codes.i32"))
    gap.numpy().astype("<f8").tofile(os.path.join(a.out, "gap.f64"))
    (flat ** 2).sum(1).numpy().astype("<f8").tofile(os.path.join(a.out, "znorm.f64"))
    if not a.no_decode:
        g = z.shape[1]
        zq = e[codes].reshape(a.n, g, g, a.dim).permute(0, 3, 1, 2)
        decode(zq).permute(0, 2, 3, 1).numpy().astype("<f4").tofile(os.path.join(a.out, "decoded.f32"))
print(json.dumps({"tensors": len(params), "grid": int(z.shape[1]), "codes": int(codes.numel())}))
