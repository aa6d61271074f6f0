#!/usr/bin/python3
"""Checks a web "Export to PyTorch" file against gradlab's own evaluation of the same model.

Not run in CI (CI has no torch); run it by hand after changing web/src/state/pytorch.ts:

  gradlab run SPEC --out /tmp/run                       # a trained checkpoint
  gradlab inspect SPEC --checkpoint /tmp/run/checkpoint.json --what field > /tmp/field.json
  # the .py file: the page's "Export to PyTorch" button on the same run, or
  # pytorchExport(spec, checkpoint.parameters, checkpointBuffers(checkpointText))
  /usr/bin/python3 tests/golden/pytorch_export_check.py model.py /tmp/field.json

It loads the model with load_state_dict(strict=True) (batch norm's running statistics
included), evaluates it in eval mode over the field's grid (rows are y, columns x) and
prints the largest difference from gradlab's field values. Needs Debian's python3-torch
(installed for /usr/bin/python3 only). Measured 2026-12-06 on a Linear-BatchNorm1d-Tanh-Linear
net trained 30 steps on the spiral: 8.9e-08.
"""
import importlib.util
import json
import sys

import numpy as np
import torch


def main(py_file: str, field_file: str) -> None:
    spec = importlib.util.spec_from_file_location("exported", py_file)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    model = module.load_model().eval()
    field = json.load(open(field_file))
    g = field["grid"]
    want = np.array(field["values"]["data"]).reshape(field["values"]["shape"])
    xs = np.linspace(g["x_min"], g["x_max"], g["nx"])
    ys = np.linspace(g["y_min"], g["y_max"], g["ny"])
    points = torch.tensor([[x, y] for y in ys for x in xs], dtype=torch.float32)
    with torch.no_grad():
        out = model(points)
        if field.get("output") == "softmax":
            out = torch.softmax(out, -1)
        elif field.get("output") == "sigmoid":
            out = torch.sigmoid(out)
    got = out.numpy().reshape(want.shape)
    diff = float(np.abs(got - want).max())
    print(f"largest |torch - gradlab| over {g['nx']}x{g['ny']} grid points: {diff:.3g}")
    sys.exit(0 if diff < 1e-5 else 1)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
