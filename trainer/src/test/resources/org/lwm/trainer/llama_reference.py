#!/usr/bin/python3
"""Independent float64 reference for the trainer: LlamaForCausalLM semantics (Hugging Face modeling_llama:
RMSNorm, rotate-half RoPE from position_ids, grouped-query attention, SwiGLU MLP, no biases) plus LWM's vision
extension (vision_embed_tokens / vision_head chosen by the vision flags) and the packed loss of DESIGN §6
(attention causal and confined to segment_ids; per-modality sum(w*CE)/sum(w), halved when both have targets).
Autograd does the backward. Written from the published semantics, not from the Java code.

usage: llama_reference.py CHECKPOINT_DIR ROWS.jsonl OUT_DIR
writes OUT_DIR/logits.npy (text-head logits, float32 [rows, L, V]) and OUT_DIR/grads.safetensors
(float32 gradient per parameter, metadata: loss, text_loss, vision_loss)."""
import json, struct, sys
import numpy as np
import torch

torch.set_default_dtype(torch.float64)


def read_safetensors(path):
    with open(path, 'rb') as f:
        n = struct.unpack('<Q', f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, t in header.items():
        if name == '__metadata__':
            continue
        assert t['dtype'] == 'F32', t['dtype']
        a, b = t['data_offsets']
        out[name] = np.frombuffer(data[a:b], dtype='<f4').reshape(t['shape'])
    return out


def write_safetensors(path, tensors, metadata):
    header, offset, blobs = {'__metadata__': metadata}, 0, []
    for name, arr in tensors.items():
        b = np.ascontiguousarray(arr, dtype='<f4').tobytes()
        header[name] = {'dtype': 'F32', 'shape': list(arr.shape), 'data_offsets': [offset, offset + len(b)]}
        offset += len(b)
        blobs.append(b)
    h = json.dumps(header).encode()
    h += b' ' * ((8 - len(h) % 8) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def main(ckpt, rows_path, out):
    cfg = json.load(open(ckpt + '/config.json'))
    W = {k: torch.tensor(np.array(v, dtype=np.float64), requires_grad=True)
         for k, v in read_safetensors(ckpt + '/model.safetensors').items()}
    rows = [json.loads(l) for l in open(rows_path) if l.strip()]
    D, H = cfg['hidden_size'], cfg['num_attention_heads']
    KV, hd, eps = cfg.get('num_key_value_heads', H), cfg['hidden_size'] // cfg['num_attention_heads'], cfg['rms_norm_eps']
    theta, nl = cfg['rope_theta'], cfg['num_hidden_layers']

    def rms(x, w):
        var = x.pow(2).mean(-1, keepdim=True)
        return w * (x * torch.rsqrt(var + eps))

    def rotate_half(x):
        x1, x2 = x[..., :hd // 2], x[..., hd // 2:]
        return torch.cat((-x2, x1), dim=-1)

    text_sum = vision_sum = text_w = vision_w = 0.0
    terms, all_logits = [], []
    for r in rows:
        ids = torch.tensor(r['input_ids'])
        L = len(ids)
        if 'target_ids' in r:  # defaults as documented for `lwm model forward` rows (PackedRowJson)
            tgt = torch.tensor(r['target_ids'])
            w = r.get('loss_weight', [1.0 / L] * L)
        else:
            tgt = torch.tensor(r['input_ids'][1:] + [0])
            w = r.get('loss_weight', [1.0 / (L - 1)] * (L - 1) + [0.0])
        w = torch.tensor(w, dtype=torch.float32).to(torch.float64)
        iv = torch.tensor(r.get('input_vision', [False] * L))
        tv = torch.tensor(r.get('target_vision', [False] * L))
        seg = torch.tensor(r.get('segment_ids', [1] * L))
        pos = torch.tensor(r.get('position_ids', list(range(L))), dtype=torch.float64)
        x = W['model.embed_tokens.weight'][torch.where(iv, 0, ids)]
        if 'model.vision_embed_tokens.weight' in W:
            xv = W['model.vision_embed_tokens.weight'][torch.where(iv, ids, 0)]
            x = torch.where(iv[:, None], xv, x)
        inv_freq = 1.0 / (theta ** (torch.arange(0, hd, 2, dtype=torch.float64) / hd))
        freqs = pos[:, None] * inv_freq[None, :]
        emb = torch.cat((freqs, freqs), dim=-1)
        cos, sin = emb.cos()[None], emb.sin()[None]
        i = torch.arange(L)
        allowed = (seg[:, None] == seg[None, :]) & (i[None, :] <= i[:, None])
        bias = torch.zeros(L, L).masked_fill(~allowed, float('-inf'))
        for l in range(nl):
            p = 'model.layers.%d.' % l
            xn = rms(x, W[p + 'input_layernorm.weight'])
            q = (xn @ W[p + 'self_attn.q_proj.weight'].T).view(L, H, hd).transpose(0, 1)
            k = (xn @ W[p + 'self_attn.k_proj.weight'].T).view(L, KV, hd).transpose(0, 1)
            v = (xn @ W[p + 'self_attn.v_proj.weight'].T).view(L, KV, hd).transpose(0, 1)
            q = q * cos + rotate_half(q) * sin
            k = k * cos + rotate_half(k) * sin
            k = k.repeat_interleave(H // KV, dim=0)
            v = v.repeat_interleave(H // KV, dim=0)
            att = torch.softmax(q @ k.transpose(1, 2) / np.sqrt(hd) + bias, dim=-1)
            o = (att @ v).transpose(0, 1).reshape(L, H * hd)
            x = x + o @ W[p + 'self_attn.o_proj.weight'].T
            xn = rms(x, W[p + 'post_attention_layernorm.weight'])
            g = xn @ W[p + 'mlp.gate_proj.weight'].T
            u = xn @ W[p + 'mlp.up_proj.weight'].T
            x = x + (torch.nn.functional.silu(g) * u) @ W[p + 'mlp.down_proj.weight'].T
        x = rms(x, W['model.norm.weight'])
        logits = x @ W['lm_head.weight'].T
        all_logits.append(logits.detach().numpy().astype(np.float32))
        tmask = (~tv) & (w != 0)
        if tmask.any():
            ce = torch.nn.functional.cross_entropy(logits[tmask], tgt[tmask], reduction='none')
            text_sum = text_sum + (w[tmask] * ce).sum()
        text_w += float(w[~tv].sum())
        vmask = tv & (w != 0)
        if vmask.any():
            vlogits = x[vmask] @ W['vision_head.weight'].T
            ce = torch.nn.functional.cross_entropy(vlogits, tgt[vmask], reduction='none')
            vision_sum = vision_sum + (w[vmask] * ce).sum()
        vision_w += float(w[tv].sum())
    text_loss = text_sum / text_w if text_w > 0 else None
    vision_loss = vision_sum / vision_w if vision_w > 0 else None
    if text_loss is not None and vision_loss is not None:
        loss = 0.5 * (text_loss + vision_loss)
    else:
        loss = text_loss if text_loss is not None else vision_loss
    loss.backward()
    np.save(out + '/logits.npy', np.stack(all_logits))
    grads = {k: (v.grad if v.grad is not None else torch.zeros_like(v)).numpy() for k, v in W.items()}
    write_safetensors(out + '/grads.safetensors', grads, {
        'loss': repr(float(loss)),
        'text_loss': repr(float(text_loss) if text_loss is not None else 0.0),
        'vision_loss': repr(float(vision_loss) if vision_loss is not None else 0.0)})


if __name__ == '__main__':
    main(*sys.argv[1:4])
