#!/usr/bin/python3
"""Golden numbers for gradlab's Transformer layers from PyTorch (Debian's python3-torch 1.13).

For nn.LayerNorm, nn.MultiheadAttention (batch_first, self-attention, with and without a
causal mask, 2 heads) and nn.TransformerEncoderLayer (relu and gelu, norm_first false and
true, dropout 0): the input, every parameter (PyTorch's state_dict names), the output, the
per-head attention weights, and the gradients of L = sum(y * w) for fixed weights w with
respect to every parameter and the input. Everything in float64.

Run:  /usr/bin/python3 tests/golden/transformer.py tests/data/transformer_golden.json
(CI has no torch; the JSON is committed and read by tests/nn/transformer_golden_test.cpp.)
"""
import json
import sys

import torch

torch.set_default_dtype(torch.float64)


def tensor_json(t):
    t = t.detach()
    return {"shape": list(t.shape), "data": [float(v) for v in t.reshape(-1).tolist()]}


def randomise(module, gen):
    # Non-default values everywhere (PyTorch starts biases and LayerNorm at 0 / 1), so every
    # gradient path carries numbers that would show a mistake.
    with torch.no_grad():
        for name, p in module.named_parameters():
            lo, hi = (0.5, 1.5) if name.endswith("norm1.weight") or name.endswith("norm2.weight") or name == "weight" else (-0.5, 0.5)
            p.copy_(torch.rand(p.shape, generator=gen) * (hi - lo) + lo)


def causal_mask(T):
    return torch.triu(torch.full((T, T), float("-inf")), diagonal=1)


def run_case(name, kind, options, module, x_shape, seed, forward):
    gen = torch.Generator().manual_seed(seed)
    randomise(module, gen)
    module.train()  # dropout is 0; train mode keeps PyTorch off its inference fast path
    x = (torch.rand(x_shape, generator=gen) * 2 - 1).requires_grad_(True)
    y, weights = forward(module, x)
    w = torch.rand(y.shape, generator=gen) + 0.5
    loss = (y * w).sum()
    loss.backward()
    case = {
        "name": name,
        "kind": kind,
        "options": options,
        "input": tensor_json(x),
        "params": {n: tensor_json(p) for n, p in module.named_parameters()},
        "output_weights": tensor_json(w),
        "output": tensor_json(y),
        "loss": float(loss),
        "grads": {n: tensor_json(p.grad) for n, p in module.named_parameters()},
        "input_grad": tensor_json(x.grad),
    }
    if weights is not None:
        case["attn_weights"] = tensor_json(weights)
    return case


def main(out_path):
    cases = []
    B, T = 2, 4

    ln = torch.nn.LayerNorm(5, eps=1e-5)
    cases.append(run_case("layer_norm", "layer_norm", {"normalized_shape": 5, "eps": 1e-5}, ln, (2, 3, 5), 1,
                          lambda m, x: (m(x), None)))

    E, H = 6, 2
    for causal in (False, True):
        mha = torch.nn.MultiheadAttention(E, H, batch_first=True, dropout=0.0)

        def fwd(m, x, causal=causal):
            mask = causal_mask(x.shape[1]) if causal else None
            y, w = m(x, x, x, attn_mask=mask, need_weights=True, average_attn_weights=False)
            return y, w  # w [B, H, T, T]

        cases.append(run_case("mha" + ("_causal" if causal else ""), "multihead_attention",
                              {"embed_dim": E, "num_heads": H, "causal": causal}, mha, (B, T, E), 2 + causal, fwd))

    F = 8
    seed = 10
    for activation in ("relu", "gelu"):
        for norm_first in (False, True):
            for causal in ((False, True) if activation == "relu" and not norm_first else (False,)):
                layer = torch.nn.TransformerEncoderLayer(E, H, dim_feedforward=F, dropout=0.0, activation=activation,
                                                         batch_first=True, norm_first=norm_first)

                def fwd(m, x, causal=causal):
                    mask = causal_mask(x.shape[1]) if causal else None
                    return m(x, src_mask=mask), None

                name = "encoder_%s_%s%s" % (activation, "norm_first" if norm_first else "post_norm", "_causal" if causal else "")
                cases.append(run_case(name, "transformer_encoder_layer",
                                      {"d_model": E, "nhead": H, "dim_feedforward": F, "activation": activation,
                                       "norm_first": norm_first, "causal": causal}, layer, (B, T, E), seed, fwd))
                seed += 1

    doc = {"generator": "tests/golden/transformer.py", "torch": torch.__version__, "dtype": "float64", "cases": cases}
    with open(out_path, "w") as f:
        json.dump(doc, f, indent=None, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "transformer_golden.json")
