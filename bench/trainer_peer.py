#!/usr/bin/python3
"""PyTorch CPU peer for bench/trainer.sh: one training step (forward, backward, clip, AdamW) of the same LLaMA
(RMSNorm, rotate-half RoPE, SwiGLU, no biases, dense causal attention) on one row of L random tokens, float32.
usage: trainer_peer.py L steps threads [hidden layers heads vocab intermediate]"""
import sys, time
import torch

L, steps, threads = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
D, NL, H, V, I = (int(x) for x in (sys.argv[4:9] + ['256', '4', '8', '8000', '688'][len(sys.argv[4:9]):]))
torch.set_num_threads(threads)
torch.manual_seed(0)
hd = D // H


class Block(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.n1, self.n2 = torch.nn.Parameter(torch.ones(D)), torch.nn.Parameter(torch.ones(D))
        self.q, self.k, self.v, self.o = (torch.nn.Linear(D, D, bias=False) for _ in range(4))
        self.g, self.u = torch.nn.Linear(D, I, bias=False), torch.nn.Linear(D, I, bias=False)
        self.d = torch.nn.Linear(I, D, bias=False)

    @staticmethod
    def rms(x, w):
        return w * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-5))

    def forward(self, x, cos, sin, mask):
        def rot(t):
            return torch.cat((-t[..., hd // 2:], t[..., :hd // 2]), -1)
        h = self.rms(x, self.n1)
        q = self.q(h).view(L, H, hd).transpose(0, 1)
        k = self.k(h).view(L, H, hd).transpose(0, 1)
        v = self.v(h).view(L, H, hd).transpose(0, 1)
        q, k = q * cos + rot(q) * sin, k * cos + rot(k) * sin
        a = torch.softmax(q @ k.transpose(1, 2) / hd ** 0.5 + mask, -1) @ v
        x = x + self.o(a.transpose(0, 1).reshape(L, D))
        h = self.rms(x, self.n2)
        return x + self.d(torch.nn.functional.silu(self.g(h)) * self.u(h))


class Model(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = torch.nn.Embedding(V, D)
        self.blocks = torch.nn.ModuleList(Block() for _ in range(NL))
        self.norm = torch.nn.Parameter(torch.ones(D))
        self.head = torch.nn.Linear(D, V, bias=False)

    def forward(self, ids, cos, sin, mask):
        x = self.emb(ids)
        for b in self.blocks:
            x = b(x, cos, sin, mask)
        return self.head(Block.rms(x, self.norm))


m = Model()
opt = torch.optim.AdamW(m.parameters(), lr=1e-4, betas=(0.9, 0.95), weight_decay=0.1)
ids, tgt = torch.randint(0, V, (L,)), torch.randint(0, V, (L,))
inv = 1.0 / (10000 ** (torch.arange(0, hd, 2).float() / hd))
f = torch.arange(L).float()[:, None] * inv[None]
emb = torch.cat((f, f), -1)
cos, sin = emb.cos()[None], emb.sin()[None]
mask = torch.full((L, L), float('-inf')).triu(1)


def step():
    opt.zero_grad()
    loss = torch.nn.functional.cross_entropy(m(ids, cos, sin, mask), tgt)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(m.parameters(), 1.0)
    opt.step()


step()
t = time.time()
for _ in range(steps):
    step()
s = (time.time() - t) / steps
import os
blas = os.path.realpath('/usr/lib/x86_64-linux-gnu/libblas.so.3')  # Debian's torch links the generic libblas
print("torch  L=%d threads=%d tokens/s=%.1f step_s=%.3f (PyTorch %s, libblas.so.3 = %s)" % (
    L, threads, L / s, s, torch.__version__, blas))
