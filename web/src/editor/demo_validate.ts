// A stand-in for gradlab.validate for the editor's demo page (not part of the app): checks
// fields against spec_form's tables and infers shapes and parameter counts with the same
// formulas as core/spec/layer_spec.cpp for the common layers. The real validator is the core's.

import type { LayerSummary, SpecIssue, Validation } from '../engine/types';
import { formatPointer, type JsonValue } from './json_pointer_map';
import { MODEL_FIELDS, isObject, layerTypeDef, type JsonObject } from './spec_form';

const DATASET_INPUT: Record<string, number[]> = {
  xor: [2], circle: [2], gaussians: [2], spiral: [2], moons: [2], plane: [2], sine: [1], polynomial: [1],
  adding: [50, 2], copy: [10, 8], dates: [24], number_words: [12],
};

function batchShape(v: JsonValue | undefined): number[] | null {
  if (isObject(v) && Array.isArray(v['shape'])) return v['shape'] as number[];
  const shape: number[] = [];
  let x = v;
  while (Array.isArray(x)) {
    shape.push(x.length);
    x = x[0];
  }
  return shape.length ? shape : null;
}

/**
 * A recurrent layer's output width (D*P), parameter count and formula, as core/spec/layer_spec.cpp:
 * per layer and direction G*H*(I_k + P) + 2*G*H (bias) + 3*H (peephole) + P*H (proj_size), with
 * G = 4 (LSTM), 3 (coupled input-forget LSTM: rows i, g, o; GRU), 1 (RNN) and P = proj_size or H.
 * Returns the problem's message when proj_size is not below hidden_size.
 */
export function recurrentSummary(t: string, l: JsonObject, inputSize: number): { width: number; parameters: number; formula: string } | string {
  const num = (k: string, d: number): number => (typeof l[k] === 'number' ? (l[k] as number) : d);
  const coupled = t === 'lstm' && l['coupled_input_forget'] === true;
  const G = t === 'lstm' ? (coupled ? 3 : 4) : t === 'gru' ? 3 : 1, H = num('hidden_size', 0), L = num('num_layers', 1), D = l['bidirectional'] === true ? 2 : 1;
  const proj = t === 'lstm' ? num('proj_size', 0) : 0;
  if (proj > 0 && proj >= H) return `proj_size must be below hidden_size = ${H} (as PyTorch), got ${proj}; 0 means no projection`;
  const P = proj > 0 ? proj : H, hname = proj > 0 ? 'P' : 'H';
  const b = l['bias'] !== false, ph = t === 'lstm' && l['peephole'] === true;
  let c = 0;
  for (let k = 0; k < L; k++) c += D * (G * H * ((k === 0 ? inputSize : D * P) + P) + (b ? 2 * G * H : 0) + (ph ? 3 * H : 0) + (proj > 0 ? P * H : 0));
  const formula =
    `per layer and direction: G*H*(I_k + ${hname})${b ? ' + 2*G*H' : ''}${ph ? ' + 3*H' : ''}${proj > 0 ? ' + P*H' : ''} with G = ${G}` +
    `${coupled ? ' (coupled input-forget gate: rows i, g, o)' : ''}, H = ${H}${proj > 0 ? `, P = proj_size = ${P}` : ''}, I_0 = ${inputSize}` +
    `${L > 1 ? `, I_k = D*${hname} = ${D * P}` : ''}; weights are shared across time steps`;
  return { width: D * P, parameters: c, formula };
}

export async function demoValidate(text: string): Promise<Validation> {
  await new Promise((r) => setTimeout(r, 15)); // like a round trip to the worker
  const issues: SpecIssue[] = [];
  const layersOut: LayerSummary[] = [];
  let spec: JsonValue;
  try {
    spec = JSON.parse(text) as JsonValue;
  } catch (e) {
    return { ok: false, issues: [{ pointer: '', message: String(e) }], layers: [], input_shape: null, total_parameters: 0 };
  }
  if (!isObject(spec)) return { ok: false, issues: [{ pointer: '', message: 'expected an object' }], layers: [], input_shape: null, total_parameters: 0 };
  if (spec['version'] !== 1) issues.push({ pointer: '/version', message: `must be 1, found ${JSON.stringify(spec['version'] ?? null)}` });
  const data = spec['data'];
  const training = isObject(spec['training']) ? spec['training'] : {};
  const batch = typeof training['batch_size'] === 'number' ? training['batch_size'] : 32;
  let input: number[] | null = null;
  if (isObject(data) && typeof data['dataset'] === 'string') {
    const f = DATASET_INPUT[data['dataset']];
    if (f) input = [batch, ...f];
    if (isObject(data['options']) && typeof data['options']['seq_len'] === 'number' && input && input.length === 3) input[1] = data['options']['seq_len'];
  } else if (isObject(data) && isObject(data['batch'])) {
    input = batchShape(data['batch']['inputs']);
  } else issues.push({ pointer: '/data', message: 'is required (an object with "dataset" or "batch")' });
  const model = spec['model'];
  let total = 0;
  if (!isObject(model)) issues.push({ pointer: '/model', message: 'is required (an object)' });
  else {
    const kind = model['kind'] ?? 'sequential';
    if (kind === 'gan') {
      const widths = (k: string): number[] => (Array.isArray(model[k]) ? (model[k] as number[]) : [64, 64, 64]);
      const mlp = (sizes: number[]): number => sizes.slice(1).reduce((n, o, i) => n + o * sizes[i]! + o, 0);
      const nd = typeof model['noise_dim'] === 'number' ? model['noise_dim'] : 8;
      total = mlp([nd, ...widths('generator_hidden'), 2]) + mlp([2, ...widths('discriminator_hidden'), 1]);
      for (const d of MODEL_FIELDS.gan) {
        const v = d.path.length === 1 ? model[d.path[0]!] : isObject(model[d.path[0]!]) ? (model[d.path[0]!] as JsonObject)[d.path[1]!] : undefined;
        if (d.kind === 'widths' && v !== undefined && (!Array.isArray(v) || v.length > 8)) issues.push({ pointer: formatPointer(['model', ...d.path]), message: 'expected at most 8 layer widths, like [64, 64]' });
      }
    } else if (kind === 'sequential') {
      const layers = model['layers'];
      if (!Array.isArray(layers)) issues.push({ pointer: '/model/layers', message: 'is required (a list of layers)' });
      else {
        if (!layers.length) issues.push({ pointer: '/model/layers', message: 'the model needs at least one layer' });
        let h: number[] | null = input;
        layers.forEach((l, i) => {
          const p = `/model/layers/${i}`;
          if (!isObject(l)) return issues.push({ pointer: p, message: 'expected an object' });
          const t = typeof l['type'] === 'string' ? l['type'] : '';
          const def = layerTypeDef(t);
          if (!def) return issues.push({ pointer: `${p}/type`, message: `expected one of linear, tanh, relu, lstm, ... found ${JSON.stringify(l['type'] ?? null)}` });
          const allowed = new Set(['type', ...def.fields.map((d) => d.path[0]!), ...(t === 'residual' ? ['layers'] : [])]);
          for (const k of Object.keys(l)) if (!allowed.has(k)) issues.push({ pointer: formatPointer(['model', 'layers', i, k]), message: `unknown field; ${t} allows ${[...allowed].join(', ')}` });
          let bad = false;
          for (const d of def.fields) {
            const v = l[d.path[0]!];
            if (v === undefined) {
              if (d.default === undefined && d.defaultText === undefined) { issues.push({ pointer: `${p}/${d.path[0]}`, message: `is required (${d.kind === 'int' ? 'an integer' : 'a number'} from ${d.min} to ${d.max})` }); bad = true; }
            } else if ((d.kind === 'int' && !Number.isInteger(v)) || ((d.kind === 'int' || d.kind === 'number') && (typeof v !== 'number' || v < (d.min ?? -Infinity) || v > (d.max ?? Infinity)))) {
              issues.push({ pointer: `${p}/${d.path[0]}`, message: `must be ${d.kind === 'int' ? 'an integer' : 'a number'} from ${d.min} to ${d.max}, found ${JSON.stringify(v)}` }); bad = true;
            } else if (d.kind === 'bool' && typeof v !== 'boolean') { issues.push({ pointer: `${p}/${d.path[0]}`, message: `must be true or false, found ${JSON.stringify(v)}` }); bad = true; }
          }
          if (bad || !h) { h = null; return; }
          const n = (k: string): number => l[k] as number;
          let s: LayerSummary = { pointer: p, type: t, output: [...h], parameters: 0, formula: 'no parameters' };
          if (t === 'linear') {
            if (h[h.length - 1] !== n('in')) { issues.push({ pointer: `${p}/in`, message: `linear expects inputs whose last dimension is in = ${n('in')}, but its input has shape [${h.join(', ')}]` }); h = null; return; }
            const b = l['bias'] !== false;
            s = { ...s, output: [...h.slice(0, -1), n('out')], parameters: n('out') * n('in') + (b ? n('out') : 0), formula: `out*in${b ? ' + out' : ''} = ${n('out')}*${n('in')}${b ? ` + ${n('out')}` : ''}` };
          } else if (t === 'rnn' || t === 'lstm' || t === 'gru') {
            if (h.length !== 3) { issues.push({ pointer: p, message: `${t} expects inputs [batch, time, features], but its input has shape [${h.join(', ')}]` }); h = null; return; }
            if (h[2] !== n('input_size')) { issues.push({ pointer: `${p}/input_size`, message: `${t} expects ${n('input_size')} features per step, but its input has shape [${h.join(', ')}]` }); h = null; return; }
            const s2 = recurrentSummary(t, l, h[2]!);
            if (typeof s2 === 'string') { issues.push({ pointer: `${p}/proj_size`, message: s2 }); h = null; return; }
            s = { ...s, output: [h[0]!, h[1]!, s2.width], parameters: s2.parameters, formula: s2.formula };
          } else if (t === 'last_step') {
            if (h.length !== 3) { issues.push({ pointer: p, message: `last_step expects inputs [batch, time, features], but its input has shape [${h.join(', ')}]` }); h = null; return; }
            s = { ...s, output: [h[0]!, h[2]!] };
          } else if (t === 'embedding') {
            s = { ...s, output: [...h, n('embedding_dim')], parameters: n('num_embeddings') * n('embedding_dim'), formula: `num_embeddings*embedding_dim = ${n('num_embeddings')}*${n('embedding_dim')}` };
          } else if (t === 'batch_norm1d') {
            if (h[1] !== n('num_features')) { issues.push({ pointer: `${p}/num_features`, message: `batch_norm1d expects ${n('num_features')} features, got shape [${h.join(', ')}]` }); h = null; return; }
            s = { ...s, parameters: 2 * n('num_features'), formula: 'weight and bias: 2*num_features (running statistics are buffers, not parameters)' };
          } else if (t === 'final_state' || t === 'mean_pool') {
            if (h.length !== 3) { issues.push({ pointer: p, message: `${t} expects inputs [batch, time, features], but its input has shape [${h.join(', ')}]` }); h = null; return; }
            s = { ...s, output: [h[0]!, h[2]!] };
          } else if (t === 'layer_norm' || t === 'multihead_attention' || t === 'transformer_encoder_layer') {
            const key = t === 'layer_norm' ? 'normalized_shape' : t === 'multihead_attention' ? 'embed_dim' : 'd_model';
            const E = n(key);
            if (h[h.length - 1] !== E) { issues.push({ pointer: `${p}/${key}`, message: `${t} expects ${key} = ${E} features, but its input has shape [${h.join(', ')}]` }); h = null; return; }
            const F = typeof l['dim_feedforward'] === 'number' ? n('dim_feedforward') : 2048;
            const affine = l['elementwise_affine'] !== false;
            s =
              t === 'layer_norm'
                ? { ...s, parameters: affine ? 2 * E : 0, formula: affine ? 'weight and bias: 2*normalized_shape' : 'no parameters' }
                : t === 'multihead_attention'
                  ? { ...s, parameters: 4 * E * E + 4 * E, formula: `in_proj_weight 3E*E + in_proj_bias 3E + out_proj E*E + E, E = ${E}` }
                  : { ...s, parameters: 4 * E * E + 4 * E + 2 * F * E + F + E + 4 * E, formula: `self_attn 4E*E + 4E, linear1 F*E + F, linear2 E*F + E, norm1 and norm2 2E each; E = ${E}, F = ${F}` };
          } else if (t === 'flatten') {
            s = { ...s, output: [h[0]!, h.slice(1).reduce((a, b) => a * b, 1)] };
          }
          h = s.output;
          total += s.parameters;
          layersOut.push(s);
        });
      }
    }
  }
  return { ok: issues.length === 0, issues, layers: layersOut, input_shape: input, total_parameters: total };
}
