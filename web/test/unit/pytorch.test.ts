import { describe, expect, it } from 'vitest';
import { checkpointBuffers, exportNeedsBuffers, pyFloat, pytorchExport } from '../../src/state/pytorch';

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

  it('writes the Transformer layers as nn.LayerNorm, nn.MultiheadAttention and nn.TransformerEncoderLayer subclasses', () => {
    const spec = {
      name: 'order transformer',
      model: {
        layers: [
          { type: 'linear', in: 4, out: 8 },
          { type: 'layer_norm', normalized_shape: 8 },
          { type: 'multihead_attention', embed_dim: 8, num_heads: 2, causal: true },
          { type: 'transformer_encoder_layer', d_model: 8, nhead: 2, dim_feedforward: 16, activation: 'gelu', norm_first: true },
          { type: 'mean_pool' },
          { type: 'linear', in: 8, out: 2 },
        ],
      },
    };
    const text = pytorchExport(spec, { 'layers.2.in_proj_weight': tensor([24, 8]), 'layers.3.self_attn.in_proj_weight': tensor([24, 8]) });
    expect(text).toContain('nn.LayerNorm(8, eps=0.00001),');
    expect(text).toContain('SelfAttention(8, 2, dropout=0, causal=True),');
    expect(text).toContain("EncoderLayer(8, 2, dim_feedforward=16, dropout=0, activation=\"gelu\", layer_norm_eps=0.00001, norm_first=True),");
    expect(text).toContain('MeanPool(),');
    expect(text).toContain('class SelfAttention(nn.MultiheadAttention):');
    expect(text).toContain('class EncoderLayer(nn.TransformerEncoderLayer):');
    expect(text).toContain('def causal_mask(T):');
    expect(text).toContain('return x.mean(dim=1)');
    expect(text).toContain('"layers.3.self_attn.in_proj_weight": torch.tensor([');
  });

  it('refuses what PyTorch has no module for, in plain words', () => {
    const peephole = { model: { layers: [{ type: 'lstm', input_size: 1, hidden_size: 2, peephole: true }] } };
    expect(() => pytorchExport(peephole, {})).toThrow(/peephole LSTM has no PyTorch module/);
    const coupled = { model: { layers: [{ type: 'lstm', input_size: 1, hidden_size: 2, coupled_input_forget: true }] } };
    expect(() => pytorchExport(coupled, {})).toThrow(/coupled input-forget LSTM .* has no PyTorch module/);
    const before = { model: { layers: [{ type: 'gru', input_size: 1, hidden_size: 2, reset: 'before' }] } };
    expect(() => pytorchExport(before, {})).toThrow(/reset-before GRU has no PyTorch module/);
  });

  it("passes an LSTM's proj_size on to nn.LSTM", () => {
    const spec = { model: { layers: [{ type: 'lstm', input_size: 3, hidden_size: 4, proj_size: 2 }, { type: 'last_step' }] } };
    expect(pytorchExport(spec, {})).toContain('LSTMOutputs(3, 4, batch_first=True, proj_size=2)');
  });

  it("carries batch norm's running statistics into STATE_DICT and loads strictly", () => {
    const spec = { model: { layers: [{ type: 'linear', in: 2, out: 3 }, { type: 'batch_norm1d', num_features: 3 }, { type: 'tanh' }] } };
    const params = { 'layers.0.weight': tensor([3, 2]), 'layers.0.bias': tensor([3]), 'layers.1.weight': tensor([3]), 'layers.1.bias': tensor([3]) };
    // without the buffers the file says they start fresh and loads leniently
    const bare = pytorchExport(spec, params);
    expect(bare).toContain('batch norm running statistics are not in the export: they start fresh');
    expect(bare).toContain('strict=False');
    const checkpoint = JSON.stringify({
      parameters: {},
      buffers: {
        'layers.1.running_mean': { shape: [3], data: [0.5, -0.25, 0.125] },
        'layers.1.running_var': { shape: [3], data: [1.5, 0.75, 2] },
        'layers.1.num_batches_tracked': { shape: [], data: [30] },
      },
    });
    expect(exportNeedsBuffers(spec)).toBe(true);
    const text = pytorchExport(spec, params, checkpointBuffers(checkpoint));
    expect(text).toContain('"layers.1.running_mean": torch.tensor([\n        0.5, -0.25, 0.125\n    ], dtype=torch.float32).reshape(3,),');
    expect(text).toContain('"layers.1.running_var": torch.tensor([\n        1.5, 0.75, 2\n    ], dtype=torch.float32).reshape(3,),');
    // PyTorch keeps the counter as a 0-d int64 tensor; a float there fails load_state_dict's copy
    expect(text).toContain('"layers.1.num_batches_tracked": torch.tensor(30, dtype=torch.long),');
    expect(text).toContain('model.load_state_dict(STATE_DICT, strict=True)');
    expect(text).not.toContain('start fresh');
    expect(exportNeedsBuffers({ model: { layers: [{ type: 'linear', in: 2, out: 1 }] } })).toBe(false);
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
