import { describe, expect, it } from 'vitest';
import { pyFloat, pytorchExport } from '../../src/state/pytorch';

function tensor(shape: number[], start = 0) {
  const n = shape.reduce((a, b) => a * b, 1);
  return { shape, data: Float32Array.from({ length: n }, (_, i) => Math.fround((start + i) * 0.1)) };
}

describe('Export to PyTorch', () => {
  it('writes a diffusion model as eps_theta(x_t, t) with its time embedding and out layer', () => {
    const spec = {
      name: 'ddpm',
      model: { kind: 'diffusion', time_embed_dim: 4, layers: [{ type: 'linear', in: 6, out: 8 }, { type: 'relu' }] },
    };
    const text = pytorchExport(spec, {
      'layers.0.weight': tensor([8, 6]),
      'layers.0.bias': tensor([8]),
      'out.weight': tensor([2, 8]),
      'out.bias': tensor([2]),
    });
    expect(text).toContain(`        self.layers = nn.Sequential(
            nn.Linear(6, 8),
            nn.ReLU(),
        )
        self.out = nn.Linear(8, 2)`);
    expect(text).toContain('def time_embedding(t, dim=4):');
    expect(text).toContain('return self.out(self.layers(torch.cat([x_t, self.time_embedding(t)], dim=1)))');
    expect(text).toContain('"out.weight": torch.tensor([');
    expect(text).toContain('model.load_state_dict(STATE_DICT, strict=True)');
  });

  it('writes the xor MLP with state_dict names and the weights', () => {
    const spec = {
      name: 'xor',
      model: { layers: [{ type: 'linear', in: 2, out: 8 }, { type: 'tanh' }, { type: 'linear', in: 8, out: 2 }] },
    };
    const text = pytorchExport(spec, {
      'layers.0.weight': tensor([8, 2]),
      'layers.0.bias': tensor([8]),
      'layers.2.weight': tensor([2, 8]),
      'layers.2.bias': tensor([2]),
    });
    expect(text).toContain('import torch\nfrom torch import nn');
    expect(text).toContain(`        self.layers = nn.Sequential(
            nn.Linear(2, 8),
            nn.Tanh(),
            nn.Linear(8, 2),
        )`);
    expect(text).toContain('"layers.0.weight": torch.tensor([');
    expect(text).toContain('dtype=torch.float32).reshape(8, 2),');
    expect(text).toContain('"layers.2.bias": torch.tensor([\n        0, 0.1\n    ], dtype=torch.float32).reshape(2,),');
    expect(text).toContain('model.load_state_dict(STATE_DICT, strict=True)');
    expect(text).not.toContain('LSTM');
  });

  it('wraps an LSTM so nn.Sequential works and keeps nn.LSTM names', () => {
    const spec = {
      name: 'adding lstm',
      model: { layers: [{ type: 'lstm', input_size: 2, hidden_size: 4, forget_bias: 1 }, { type: 'last_step' }, { type: 'linear', in: 4, out: 1 }] },
    };
    const text = pytorchExport(spec, {
      'layers.0.weight_ih_l0': tensor([16, 2]),
      'layers.0.weight_hh_l0': tensor([16, 4]),
      'layers.0.bias_ih_l0': tensor([16]),
      'layers.0.bias_hh_l0': tensor([16]),
      'layers.2.weight': tensor([1, 4]),
      'layers.2.bias': tensor([1]),
    });
    expect(text).toContain('class LSTMOutputs(nn.LSTM):');
    expect(text).toContain('return super().forward(x)[0]');
    expect(text).toContain('class LastStep(nn.Module):');
    expect(text).toContain('LSTMOutputs(2, 4, batch_first=True),');
    expect(text).toContain('"layers.0.weight_hh_l0": torch.tensor([');
    expect(text).toContain('.reshape(16, 4),');
  });

  it('refuses what PyTorch has no module for, in plain words', () => {
    const peephole = { model: { layers: [{ type: 'lstm', input_size: 1, hidden_size: 2, peephole: true }] } };
    expect(() => pytorchExport(peephole, {})).toThrow(/peephole LSTM has no PyTorch module/);
  });

  it('prints floats that read back as the same float32', () => {
    for (const v of [0.1, -1.5e-7, 123456.789, 1 / 3, 0]) {
      const f = Math.fround(v);
      expect(Math.fround(Number(pyFloat(f)))).toBe(f);
    }
    expect(pyFloat(Math.fround(0.1))).toBe('0.1');
    expect(pyFloat(NaN)).toBe("float('nan')");
  });
});
