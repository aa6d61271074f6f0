// "Export to PyTorch": a .py file that defines the same model with torch.nn modules whose
// state_dict names match gradlab's (ARCHITECTURE.md: PyTorch-compatible parameters) and
// loads the trained weights into it. Pure: spec + weights in, Python text out.

export interface NamedTensor {
  shape: number[];
  data: ArrayLike<number>;
}

type Layer = Record<string, unknown> & { type: string };

const ACTIVATIONS: Record<string, (l: Layer) => string> = {
  tanh: () => 'nn.Tanh()',
  sigmoid: () => 'nn.Sigmoid()',
  relu: () => 'nn.ReLU()',
  gelu: () => 'nn.GELU()',
  softmax: () => 'nn.Softmax(dim=-1)',
  log_softmax: () => 'nn.LogSoftmax(dim=-1)',
  leaky_relu: (l) => `nn.LeakyReLU(${py(num(l.slope, 0.01))})`,
};

/** Python text for a number: the shortest decimal that reads back as the same float32. */
export function pyFloat(v: number): string {
  if (Number.isNaN(v)) return "float('nan')";
  if (!Number.isFinite(v)) return v > 0 ? "float('inf')" : "-float('inf')";
  const f = Math.fround(v);
  for (let p = 1; p <= 9; p++) {
    const s = f.toPrecision(p);
    if (Math.fround(Number(s)) === f) return String(Number(s));
  }
  return String(f);
}

function py(v: unknown): string {
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : pyFloat(v);
  if (typeof v === 'string') return JSON.stringify(v);
  return 'None';
}

function num(v: unknown, def: number): number {
  return typeof v === 'number' ? v : def;
}

function bool(v: unknown, def: boolean): boolean {
  return typeof v === 'boolean' ? v : def;
}

/** Which helper classes the generated file needs. */
interface Needs {
  recurrent: Set<string>;
  lastStep: boolean;
  residual: boolean;
  positional: boolean;
  selfAttention: boolean;
  encoderLayer: boolean;
  meanPool: boolean;
}

function layerCode(l: Layer, needs: Needs, indent: string): string {
  const act = ACTIVATIONS[l.type];
  if (act) return act(l);
  switch (l.type) {
    case 'linear':
      return `nn.Linear(${l.in}, ${l.out}${bool(l.bias, true) ? '' : ', bias=False'})`;
    case 'rnn':
    case 'lstm':
    case 'gru': {
      if (l.type === 'lstm' && l.peephole === true) {
        throw new Error('a peephole LSTM has no PyTorch module (PyTorch\'s nn.LSTM has no peepholes), so it cannot be exported');
      }
      if (l.type === 'lstm' && l.coupled_input_forget === true) {
        throw new Error('a coupled input-forget LSTM (f = 1 - i) has no PyTorch module (nn.LSTM has a forget gate of its own), so it cannot be exported');
      }
      if (l.type === 'gru' && l.reset === 'before') {
        throw new Error('a reset-before GRU has no PyTorch module (nn.GRU applies r after W_hn), so it cannot be exported');
      }
      const cls = { rnn: 'RNN', lstm: 'LSTM', gru: 'GRU' }[l.type];
      needs.recurrent.add(cls);
      const args = [`${l.input_size}`, `${l.hidden_size}`, 'batch_first=True'];
      if (num(l.num_layers, 1) !== 1) args.push(`num_layers=${l.num_layers}`);
      if (bool(l.bidirectional, false)) args.push('bidirectional=True');
      if (!bool(l.bias, true)) args.push('bias=False');
      if (l.type === 'rnn' && l.nonlinearity === 'relu') args.push("nonlinearity='relu'");
      if (l.type === 'lstm' && num(l.proj_size, 0) > 0) args.push(`proj_size=${l.proj_size}`);
      return `${cls}Outputs(${args.join(', ')})`;
    }
    case 'last_step':
      needs.lastStep = true;
      return 'LastStep()';
    case 'embedding':
      return `nn.Embedding(${l.num_embeddings}, ${l.embedding_dim})`;
    case 'positional':
      needs.positional = true;
      return `Positional(${py(l.kind ?? 'sinusoidal')}, ${l.max_len}, ${l.dim})`;
    case 'conv2d':
      return `nn.Conv2d(${l.in_channels}, ${l.out_channels}, ${l.kernel_size}, stride=${num(l.stride, 1)}, padding=${num(l.padding, 0)}${bool(l.bias, true) ? '' : ', bias=False'})`;
    case 'max_pool2d':
    case 'avg_pool2d': {
      const cls = l.type === 'max_pool2d' ? 'MaxPool2d' : 'AvgPool2d';
      return `nn.${cls}(${l.kernel_size}, stride=${num(l.stride, num(l.kernel_size, 1))}, padding=${num(l.padding, 0)})`;
    }
    case 'flatten':
      return 'nn.Flatten()';
    case 'unflatten': {
      const sizes = Array.isArray(l.unflattened_size) ? (l.unflattened_size as number[]) : [];
      return `nn.Unflatten(${num(l.dim, 1)}, (${sizes.join(', ')}${sizes.length === 1 ? ',' : ''}))`;
    }
    case 'batch_norm1d':
    case 'batch_norm2d':
      return `nn.BatchNorm${l.type === 'batch_norm1d' ? '1d' : '2d'}(${l.num_features}, eps=${py(num(l.eps, 1e-5))}, momentum=${py(num(l.momentum, 0.1))})`;
    case 'dropout':
      return `nn.Dropout(${py(num(l.p, 0.5))})`;
    case 'layer_norm':
      return `nn.LayerNorm(${l.normalized_shape}, eps=${py(num(l.eps, 1e-5))}${bool(l.elementwise_affine, true) ? '' : ', elementwise_affine=False'})`;
    case 'multihead_attention':
      needs.selfAttention = true;
      return `SelfAttention(${l.embed_dim}, ${l.num_heads}, dropout=${py(num(l.dropout, 0))}${bool(l.causal, false) ? ', causal=True' : ''})`;
    case 'transformer_encoder_layer': {
      needs.encoderLayer = true;
      const args = [`${l.d_model}`, `${l.nhead}`, `dim_feedforward=${num(l.dim_feedforward, 2048)}`, `dropout=${py(num(l.dropout, 0))}`];
      args.push(`activation=${py(typeof l.activation === 'string' ? l.activation : 'relu')}`, `layer_norm_eps=${py(num(l.layer_norm_eps, 1e-5))}`);
      if (bool(l.norm_first, false)) args.push('norm_first=True');
      if (bool(l.causal, false)) args.push('causal=True');
      return `EncoderLayer(${args.join(', ')})`;
    }
    case 'mean_pool':
      needs.meanPool = true;
      return 'MeanPool()';
    case 'residual': {
      needs.residual = true;
      const inner = Array.isArray(l.layers) ? (l.layers as Layer[]) : [];
      return `Residual(\n${sequential(inner, needs, indent + '    ')}\n${indent})`;
    }
    default:
      throw new Error(`layer type "${l.type}" has no PyTorch export yet`);
  }
}

function sequential(layers: Layer[], needs: Needs, indent: string): string {
  return `${indent}nn.Sequential(\n${layers.map((l) => `${indent}    ${layerCode(l, needs, indent + '    ')},`).join('\n')}\n${indent})`;
}

const HELPERS: Record<string, string> = {
  lastStep: `class LastStep(nn.Module):
    """[B, T, H] -> [B, H]: the output at the last time step."""
    def forward(self, x):
        return x[:, -1]
`,
  residual: `class Residual(nn.Module):
    """x + fn(x); the inner layers are named fn.<index>, as in gradlab."""
    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def forward(self, x):
        return x + self.fn(x)
`,
  positional: `class Positional(nn.Module):
    """Adds a position code: sinusoidal (fixed, not in the state_dict) or learned (weight [max_len, dim])."""
    def __init__(self, kind, max_len, dim):
        super().__init__()
        self.kind = kind
        if kind == "learned":
            self.weight = nn.Parameter(torch.zeros(max_len, dim))
        else:
            pos = torch.arange(max_len, dtype=torch.float64)[:, None]
            two_i = torch.arange(0, dim, 2, dtype=torch.float64)
            angle = pos / torch.pow(10000.0, two_i / dim)
            pe = torch.zeros(max_len, dim, dtype=torch.float64)
            pe[:, 0::2] = torch.sin(angle)
            pe[:, 1::2] = torch.cos(angle[:, : dim // 2])
            self.register_buffer("pe", pe.float(), persistent=False)

    def forward(self, x):
        code = self.weight if self.kind == "learned" else self.pe
        return x + code[: x.shape[1]]
`,
};

// The causal mask both attention helpers use (nn.Transformer.generate_square_subsequent_mask).
const CAUSAL_MASK = `def causal_mask(T):
    """-inf above the diagonal: step i attends to steps 0..i only."""
    return torch.triu(torch.full((T, T), float("-inf")), diagonal=1)
`;

const ATTENTION_HELPERS: Record<string, string> = {
  selfAttention: `class SelfAttention(nn.MultiheadAttention):
    """nn.MultiheadAttention(batch_first=True) as self-attention in nn.Sequential: query = key = value = x
    (a subclass, so the state_dict names are nn.MultiheadAttention's: in_proj_weight, out_proj.weight, ...)."""
    def __init__(self, embed_dim, num_heads, dropout=0.0, causal=False):
        super().__init__(embed_dim, num_heads, dropout=dropout, batch_first=True)
        self.causal = causal

    def forward(self, x):
        mask = causal_mask(x.shape[1]) if self.causal else None
        return super().forward(x, x, x, attn_mask=mask, need_weights=False)[0]
`,
  encoderLayer: `class EncoderLayer(nn.TransformerEncoderLayer):
    """nn.TransformerEncoderLayer(batch_first=True); causal=True passes the square subsequent mask."""
    def __init__(self, d_model, nhead, causal=False, **kwargs):
        super().__init__(d_model, nhead, batch_first=True, **kwargs)
        self.causal = causal

    def forward(self, x):
        return super().forward(x, src_mask=causal_mask(x.shape[1]) if self.causal else None)
`,
  meanPool: `class MeanPool(nn.Module):
    """[B, T, H] -> [B, H]: the mean over time."""
    def forward(self, x):
        return x.mean(dim=1)
`,
};

function recurrentHelper(cls: string): string {
  return `class ${cls}Outputs(nn.${cls}):
    """nn.${cls} that returns only its outputs [B, T, D*H], so it fits in nn.Sequential
    (a subclass, so the state_dict names are nn.${cls}'s: weight_ih_l0, ...)."""
    def forward(self, x):
        return super().forward(x)[0]
`;
}

/** The weights as a Python dict literal of float32 tensors. */
function weightsCode(params: Record<string, NamedTensor>, names: string[]): string {
  const lines = names.map((name) => {
    const t = params[name]!;
    if (name.endsWith('num_batches_tracked')) {
      // PyTorch keeps this counter as a 0-d int64 tensor
      return `    ${JSON.stringify(name)}: torch.tensor(${Math.round(Number(t.data[0] ?? 0))}, dtype=torch.long),`;
    }
    const values: string[] = [];
    for (let i = 0; i < t.data.length; i++) values.push(pyFloat(t.data[i]!));
    // wrap long rows so the file stays readable in an editor
    const rows: string[] = [];
    for (let i = 0; i < values.length; i += 12) rows.push(values.slice(i, i + 12).join(', '));
    const shape = t.shape.length === 0 ? '()' : `(${t.shape.join(', ')}${t.shape.length === 1 ? ',' : ''})`;
    return `    ${JSON.stringify(name)}: torch.tensor([\n        ${rows.join(',\n        ')}\n    ], dtype=torch.float32).reshape${shape},`;
  });
  return `STATE_DICT = {\n${lines.join('\n')}\n}`;
}

function ganCode(model: Record<string, unknown>): string {
  const act = (name: unknown) => (ACTIVATIONS[String(name ?? 'relu')] ?? ACTIVATIONS.relu!)({ type: String(name ?? 'relu') });
  const mlp = (inputs: number, hidden: number[], out: number, activation: unknown) => {
    const parts: string[] = [];
    let prev = inputs;
    for (const h of hidden) {
      parts.push(`nn.Linear(${prev}, ${h})`, act(activation));
      prev = h;
    }
    parts.push(`nn.Linear(${prev}, ${out})`);
    return `nn.Sequential(\n${parts.map((p) => `            ${p},`).join('\n')}\n        )`;
  };
  const widths = (v: unknown) => (Array.isArray(v) ? v.map(Number) : [64, 64, 64]);
  const noise = num(model.noise_dim, 8);
  return `class Model(nn.Module):
    """A GAN on 2-D points: generator noise [B, ${noise}] -> points [B, 2]; discriminator points -> score [B, 1]."""
    def __init__(self):
        super().__init__()
        self.generator = ${mlp(noise, widths(model.generator_hidden), 2, model.generator_activation)}
        self.discriminator = ${mlp(2, widths(model.discriminator_hidden), 1, model.discriminator_activation)}

    def forward(self, z):
        return self.generator(z)
`;
}

/**
 * A DDPM's noise network (core/train/diffusion.h): the spec's layers on [x_t, embed(t)], then
 * `out` = Linear(H, 2), H read from the out.weight given.
 */
function diffusionCode(model: Record<string, unknown>, seq: string, params: Record<string, NamedTensor>): string {
  const E = num(model.time_embed_dim, 16);
  const H = params['out.weight']?.shape[1] ?? E + 2;
  return `class Model(nn.Module):
    """eps_theta of a DDPM on 2-D points: the noise in x_t [B, 2] at steps t [B] (1..T)."""
    def __init__(self):
        super().__init__()
        self.layers = ${seq}
        self.out = nn.Linear(${H}, 2)

    @staticmethod
    def time_embedding(t, dim=${E}):
        """[sin(t w_i)..., cos(t w_i)...] with w_i = 10000^(-i / (dim / 2)) (improved-diffusion's)."""
        import math
        half = dim // 2
        w = torch.exp(-math.log(10000.0) * torch.arange(half, dtype=torch.float32) / half)
        a = t.float()[:, None] * w[None, :]
        return torch.cat([torch.sin(a), torch.cos(a)], dim=1)

    def forward(self, x_t, t):
        return self.out(self.layers(torch.cat([x_t, self.time_embedding(t)], dim=1)))
`;
}

/**
 * The Python file. `params` maps PyTorch names to tensors (row-major), in model order.
 * Throws an Error in plain words for a model PyTorch has no module for.
 */
/** Whether the model has buffers (batch norm's running statistics) that its export should carry. */
export function exportNeedsBuffers(spec: Record<string, unknown>): boolean {
  return JSON.stringify(spec.model ?? {}).includes('batch_norm');
}

/**
 * The buffers of a checkpoint's text (`{"buffers": {name: {shape, data}}}`), for
 * pytorchExport: batch norm's running_mean, running_var and num_batches_tracked.
 */
export function checkpointBuffers(checkpointText: string): Record<string, NamedTensor> {
  const doc = JSON.parse(checkpointText) as { buffers?: Record<string, NamedTensor> };
  return doc.buffers ?? {};
}

/**
 * The .py text. `buffers` (running statistics) join the parameters in STATE_DICT, which
 * then loads with strict=True; without them a batch-norm model loads with strict=False
 * and its running statistics start fresh (the file says so).
 */
export function pytorchExport(
  spec: Record<string, unknown>,
  params: Record<string, NamedTensor>,
  buffers: Record<string, NamedTensor> = {},
): string {
  const model = (spec.model ?? {}) as Record<string, unknown>;
  const kind = typeof model.kind === 'string' ? model.kind : 'sequential';
  const name = typeof spec.name === 'string' && spec.name !== '' ? spec.name : 'gradlab model';
  params = { ...params, ...buffers };
  const names = Object.keys(params);
  const header = `# ${name}: exported from gradlab with its trained weights.
# The module names match gradlab's parameter names, so STATE_DICT loads with strict=True.
#   python ${safeFileName(name)}.py    # builds the model, loads the weights, prints a summary
import torch
from torch import nn
`;
  let body: string;
  let usage: string;
  if (kind === 'gan') {
    body = ganCode(model);
    usage = `    z = torch.randn(5, ${num(model.noise_dim, 8)})\n    print(model.generator(z))`;
  } else if (kind === 'seq2seq') {
    throw new Error('seq2seq models cannot be exported to PyTorch yet (only their checkpoint); layer lists and GANs can');
  } else {
    const layers = (Array.isArray(model.layers) ? model.layers : []) as Layer[];
    const needs: Needs = { recurrent: new Set(), lastStep: false, residual: false, positional: false, selfAttention: false, encoderLayer: false, meanPool: false };
    const seq = sequential(layers, needs, '        ').trimStart();
    const helpers = [
      ...[...needs.recurrent].sort().map(recurrentHelper),
      ...(needs.lastStep ? [HELPERS.lastStep!] : []),
      ...(needs.residual ? [HELPERS.residual!] : []),
      ...(needs.positional ? [HELPERS.positional!] : []),
      ...(needs.selfAttention || needs.encoderLayer ? [CAUSAL_MASK] : []),
      ...(['selfAttention', 'encoderLayer', 'meanPool'] as const).filter((k) => needs[k]).map((k) => ATTENTION_HELPERS[k]!),
    ];
    body = `${helpers.map((h) => h + '\n').join('\n')}
${kind === 'diffusion' ? diffusionCode(model, seq, params) : `class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = ${seq}

    def forward(self, x):
        return self.layers(x)
`}`;
    usage = kind === 'diffusion' ? '    print(model(torch.randn(3, 2), torch.tensor([1, 2, 3])))' : '';
  }
  const missingBuffers = exportNeedsBuffers(spec) && Object.keys(buffers).length === 0;
  return `${header}

${body.trim()}


${weightsCode(params, names)}


def load_model():
    model = Model()
    # ${missingBuffers ? 'batch norm running statistics are not in the export: they start fresh' : `every parameter${Object.keys(buffers).length ? ' and running statistic' : ''} is in STATE_DICT`}
    model.load_state_dict(STATE_DICT, strict=${missingBuffers ? 'False' : 'True'})
    return model


if __name__ == "__main__":
    model = load_model()
    print(model)
    print(sum(p.numel() for p in model.parameters()), "parameters")
${usage}
`.replace(/\n{4,}/g, '\n\n\n');
}

export function safeFileName(name: string): string {
  return name.replace(/[^A-Za-z0-9_-]+/g, '_').replace(/^_+|_+$/g, '') || 'gradlab_model';
}
