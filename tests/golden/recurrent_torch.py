"""Golden numbers from PyTorch for gradlab's LSTM with proj_size and the default GRU
(tests/nn/recurrent_variants_test.cpp): forward output, h_n, c_n, the loss and every
gradient (parameters, x, h0, c0), computed by torch.nn.LSTM / torch.nn.GRU in float64.

Regenerate (Debian's python3-torch 1.13; CI has no torch, so the JSON is committed):
    /usr/bin/python3 tests/golden/recurrent_torch.py tests/data/recurrent_torch_golden.json

Weights, inputs, initial states and loss weights are multiples of 1/256 drawn from a seeded
generator (exact in float32, float64 and JSON); results are float64 written with 17
significant digits. Saved with PyTorch's names and layouts (weight_hr_l{k} [P, H], ...).
"""
import json
import sys

import torch

torch.set_default_dtype(torch.float64)
B, T, I = 2, 4, 3


def grid(gen, *shape, scale=1.0):
    """Uniform multiples of 1/256 in [-scale, scale]."""
    k = int(256 * scale)
    return torch.randint(-k, k + 1, shape, generator=gen).double() / 256.0


def as_json(t):
    return {"shape": list(t.shape), "data": [float(f"{v:.17g}") for v in t.detach().reshape(-1).tolist()]}


def case(name, kind, hidden, proj, layers, bidirectional, initial, seed):
    gen = torch.Generator().manual_seed(seed)
    D = 2 if bidirectional else 1
    P = proj if proj > 0 else hidden
    if kind == "lstm":
        m = torch.nn.LSTM(I, hidden, num_layers=layers, bidirectional=bidirectional, batch_first=True, proj_size=proj)
    else:
        m = torch.nn.GRU(I, hidden, num_layers=layers, bidirectional=bidirectional, batch_first=True)
    with torch.no_grad():
        for _, p in m.named_parameters():
            p.copy_(grid(gen, *p.shape, scale=0.5))
    x = grid(gen, B, T, I).requires_grad_()
    h0 = grid(gen, layers * D, B, P).requires_grad_() if initial else None
    c0 = grid(gen, layers * D, B, hidden).requires_grad_() if initial and kind == "lstm" else None
    if kind == "lstm":
        out, (h_n, c_n) = m(x, (h0, c0)) if initial else m(x)
    else:
        out, h_n = m(x, h0) if initial else m(x)
        c_n = None
    w = {"output": grid(gen, *out.shape), "h_n": grid(gen, *h_n.shape)}
    loss = (out * w["output"]).sum() + (h_n * w["h_n"]).sum()
    if c_n is not None:
        w["c_n"] = grid(gen, *c_n.shape)
        loss = loss + (c_n * w["c_n"]).sum()
    loss.backward()
    c = {
        "name": name, "kind": kind, "input_size": I, "hidden_size": hidden, "proj_size": proj,
        "num_layers": layers, "bidirectional": bidirectional,
        "params": {n: as_json(p) for n, p in m.named_parameters()},
        "x": as_json(x),
        "loss_weights": {k: as_json(v) for k, v in w.items()},
        "output": as_json(out), "h_n": as_json(h_n), "loss": loss.item(),
        "grads": {n: as_json(p.grad) for n, p in m.named_parameters()},
    }
    c["grads"]["x"] = as_json(x.grad)
    if c_n is not None:
        c["c_n"] = as_json(c_n)
    if initial:
        c["h0"], c["grads"]["h0"] = as_json(h0), as_json(h0.grad)
        if c0 is not None:
            c["c0"], c["grads"]["c0"] = as_json(c0), as_json(c0.grad)
    return c


cases = [
    case("lstm_proj", "lstm", 4, 2, 1, False, True, 1),
    case("lstm_proj_2layer", "lstm", 5, 3, 2, False, False, 2),
    case("lstm_proj_bidir_2layer", "lstm", 4, 3, 2, True, True, 3),
    case("lstm_plain", "lstm", 4, 0, 1, False, True, 4),
    case("gru_bidir_2layer", "gru", 4, 0, 2, True, True, 5),
]
doc = {"generator": "tests/golden/recurrent_torch.py", "torch_version": torch.__version__, "dtype": "float64", "cases": cases}
with open(sys.argv[1], "w") as f:
    json.dump(doc, f, separators=(",", ":"))
    f.write("\n")
print(f"wrote {len(cases)} cases to {sys.argv[1]} (torch {torch.__version__})")
