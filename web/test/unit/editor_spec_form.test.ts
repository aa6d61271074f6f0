// spec_form: spec <-> form round trips on every example, and each edit's resulting spec.
import { describe, expect, it } from 'vitest';
import {
  LAYER_TYPES,
  addLayer,
  formToSpec,
  moveLayer,
  removeLayer,
  setLayerField,
  setLayerType,
  setModelField,
  specToForm,
  type JsonObject,
  type ModelForm,
} from '../../src/editor/spec_form';

// The example specs as text (import.meta.glob: no Node types needed).
const EXAMPLE_TEXT: Record<string, string> = Object.fromEntries(
  Object.entries(import.meta.glob<string>('../../../examples/*.json', { query: '?raw', import: 'default', eager: true })).map(([path, text]) => [path.split('/').pop()!, text]),
);
const exampleNames = Object.keys(EXAMPLE_TEXT);
const load = (name: string): JsonObject => JSON.parse(EXAMPLE_TEXT[name]!) as JsonObject;
const layers = (spec: JsonObject): unknown => (spec['model'] as JsonObject)['layers'];
function form(spec: JsonObject): ModelForm {
  const r = specToForm(spec);
  if (!r.ok) throw new Error(r.reason);
  return r.form;
}

const XOR_LAYERS = [
  { type: 'linear', in: 2, out: 8 },
  { type: 'tanh' },
  { type: 'linear', in: 8, out: 2 },
];

describe('spec -> form -> spec', () => {
  it('finds examples to test', () => expect(exampleNames.length).toBeGreaterThanOrEqual(8));

  it.each(exampleNames)('is the identity on %s (values and key order)', (name) => {
    const spec = load(name);
    const back = formToSpec(form(spec), spec);
    expect(back).toStrictEqual(spec);
    expect(JSON.stringify(back)).toBe(JSON.stringify(spec));
  });

  it('reads the kinds and fields of the examples', () => {
    const xor = form(load('xor.json'));
    expect(xor.kind).toBe('sequential');
    expect(xor.layers.map((l) => l.type)).toEqual(['linear', 'tanh', 'linear']);
    const lin = xor.layers[0]!;
    expect(lin.pointer).toBe('/model/layers/0');
    expect(lin.fields.map((f) => [f.def.path[0], f.value])).toEqual([
      ['in', 2],
      ['out', 8],
      ['bias', undefined],
      ['init', undefined],
    ]);
    expect(lin.fields[1]!.pointer).toBe('/model/layers/0/out');
    const lstm = form(load('adding-lstm.json')).layers[0]!;
    expect(lstm.fields.find((f) => f.def.path[0] === 'forget_bias')?.value).toBe(1);
    expect(form(load('tiny-chain-rule.json')).pinned).toEqual(['layers.0.weight', 'layers.0.bias', 'layers.2.weight', 'layers.2.bias']);
    const gan = form(load('gan-ring-wgan-gp.json'));
    expect(gan.kind).toBe('gan');
    expect(gan.layers).toEqual([]);
    expect(gan.fields.find((f) => f.pointer === '/model/generator_optimizer/lr')?.value).toBe(0.001);
    expect(gan.otherKeys).toEqual([]); // betas are nested under the optimizers the form shows
    const s2s = form(load('dates-attention.json'));
    expect(s2s.fields.find((f) => f.def.path[0] === 'attention')?.value).toBe('general');
    expect(s2s.fields.find((f) => f.def.path[0] === 'teacher_forcing')?.value).toBeUndefined();
  });

  it('keeps fields it does not know (typos, future fields, unknown types) in place', () => {
    const spec: JsonObject = {
      version: 1,
      model: {
        layers: [
          { hiden_size: 3, type: 'linear', in: 2, out: 4, note: 'x' },
          { type: 'conv3d', kernel: 2 },
          { type: 'residual', layers: [{ type: 'relu', extra: true }], tag: 1 },
        ],
        future: { a: 1 },
      },
      extra_top: [1, 2],
    };
    const f = form(spec);
    expect(f.layers[0]!.otherKeys).toEqual(['hiden_size', 'note']);
    expect(f.layers[1]!.def).toBeUndefined();
    expect(f.layers[1]!.otherKeys).toEqual(['kernel']);
    expect(f.layers[2]!.body![0]!.pointer).toBe('/model/layers/2/layers/0');
    expect(f.layers[2]!.body![0]!.otherKeys).toEqual(['extra']);
    expect(f.otherKeys).toEqual(['future']);
    expect(JSON.stringify(formToSpec(f, spec))).toBe(JSON.stringify(spec));
  });

  it('writes form values back: set, and undefined removes (back to the default)', () => {
    const spec = load('adding-lstm.json');
    const f = form(spec);
    f.layers[0]!.fields.find((x) => x.def.path[0] === 'forget_bias')!.value = undefined;
    f.layers[0]!.fields.find((x) => x.def.path[0] === 'peephole')!.value = true;
    const out = formToSpec(f, spec);
    expect((layers(out) as JsonObject[])[0]).toEqual({ type: 'lstm', input_size: 2, hidden_size: 32, peephole: true });
    expect(out['training']).toBe(spec['training']);
  });

  it('refuses what is not a spec with a model', () => {
    expect(specToForm([1, 2])).toEqual({ ok: false, reason: 'the spec is not a JSON object' });
    expect(specToForm({ version: 1 }).ok).toBe(false);
    expect(specToForm({ model: { layers: 3 } }).ok).toBe(false);
  });

  it('has a field list for every layer type the core accepts (core/spec/layer_spec.cpp layer_types())', () => {
    const cpp = Object.values(import.meta.glob<string>('../../../core/spec/layer_spec.cpp', { query: '?raw', import: 'default', eager: true }))[0]!;
    const list = (name: string): string[] => [...cpp.match(new RegExp(`${name} = \\{([^}]*)\\}`))![1]!.matchAll(/"(\w+)"/g)].map((m) => m[1]!);
    const body = cpp.slice(cpp.indexOf('layer_types()'), cpp.indexOf('return types;'));
    const rest = [...body.slice(body.indexOf('for (const char* s')).matchAll(/"(\w+)"/g)].map((m) => m[1]!);
    const core = ['linear', ...list('kActivations'), ...list('kRecurrent'), ...rest];
    expect(core).toContain('transformer_encoder_layer');
    expect(core.length).toBe(28);
    expect(LAYER_TYPES.map((t) => t.type).sort()).toEqual(core.sort());
  });
});

describe('edits', () => {
  it('adds a layer that fits the features flowing in and passes them on', () => {
    const xor = load('xor.json');
    const out = addLayer(xor, [], 2, 'linear');
    expect(layers(out)).toEqual([XOR_LAYERS[0], XOR_LAYERS[1], { type: 'linear', in: 8, out: 8 }, XOR_LAYERS[2]]);
    expect(layers(xor)).toEqual(XOR_LAYERS); // the argument is not changed
    expect(layers(addLayer(xor, [], 99, 'dropout'))).toEqual([...XOR_LAYERS, { type: 'dropout' }]);
    expect((layers(addLayer(xor, [], 1, 'lstm')) as JsonObject[])[1]).toEqual({ type: 'lstm', input_size: 8, hidden_size: 8 });
  });

  it('adds a first layer from the input width, and the next layer follows an embedding', () => {
    const xor = load('xor.json');
    expect((layers(addLayer(xor, [], 0, 'linear', { inputWidth: 2 })) as JsonObject[]).slice(0, 2)).toEqual([
      { type: 'linear', in: 2, out: 2 },
      { type: 'linear', in: 2, out: 8 },
    ]);
    const emb = addLayer({ model: { layers: [{ type: 'gru', input_size: 5, hidden_size: 4 }] } }, [], 0, 'embedding');
    expect(layers(emb)).toEqual([
      { type: 'embedding', num_embeddings: 16, embedding_dim: 8 },
      { type: 'gru', input_size: 8, hidden_size: 4 },
    ]);
  });

  it('makes the next layer\'s input follow a changed output, through shape-keeping layers', () => {
    const out = setLayerField(load('xor.json'), [0], 'out', 16);
    expect(layers(out)).toEqual([{ type: 'linear', in: 2, out: 16 }, { type: 'tanh' }, { type: 'linear', in: 16, out: 2 }]);
    const bi = setLayerField(load('adding-lstm.json'), [0], 'bidirectional', true);
    expect(layers(bi)).toEqual([
      { type: 'lstm', input_size: 2, hidden_size: 32, forget_bias: 1.0, bidirectional: true },
      { type: 'last_step' },
      { type: 'linear', in: 64, out: 1 },
    ]);
    // Only the next width-setting layer changes: a later linear keeps its own in.
    const chain: JsonObject = { model: { layers: [{ type: 'linear', in: 2, out: 4 }, { type: 'batch_norm1d', num_features: 4 }, { type: 'linear', in: 4, out: 3 }, { type: 'linear', in: 3, out: 1 }] } };
    expect(layers(setLayerField(chain, [0], 'out', 6))).toEqual([
      { type: 'linear', in: 2, out: 6 },
      { type: 'batch_norm1d', num_features: 6 },
      { type: 'linear', in: 6, out: 3 },
      { type: 'linear', in: 3, out: 1 },
    ]);
  });

  it('leaves the rest alone when an input field or a non-width field changes', () => {
    const xor = load('xor.json');
    expect(layers(setLayerField(xor, [2], 'in', 5))).toEqual([XOR_LAYERS[0], XOR_LAYERS[1], { type: 'linear', in: 5, out: 2 }]);
    expect(layers(setLayerField(xor, [0], 'bias', false))).toEqual([{ type: 'linear', in: 2, out: 8, bias: false }, XOR_LAYERS[1], XOR_LAYERS[2]]);
    expect(layers(setLayerField(setLayerField(xor, [0], 'bias', false), [0], 'bias', undefined))).toEqual(XOR_LAYERS);
  });

  it('removes a layer and reconnects its neighbours', () => {
    const three: JsonObject = { model: { layers: [{ type: 'linear', in: 2, out: 8 }, { type: 'relu' }, { type: 'linear', in: 8, out: 4 }, { type: 'linear', in: 4, out: 1 }] } };
    expect(layers(removeLayer(three, [2]))).toEqual([{ type: 'linear', in: 2, out: 8 }, { type: 'relu' }, { type: 'linear', in: 8, out: 1 }]);
    expect(layers(removeLayer(load('xor.json'), [0], { inputWidth: 2 }))).toEqual([{ type: 'tanh' }, { type: 'linear', in: 2, out: 2 }]);
    // Without a known input width the first layer is left as it is.
    expect(layers(removeLayer(load('xor.json'), [0]))).toEqual([{ type: 'tanh' }, { type: 'linear', in: 8, out: 2 }]);
    expect(layers(removeLayer(load('xor.json'), [7]))).toEqual(XOR_LAYERS);
  });

  it('moves a layer and reconnects the chain where it left and where it lands', () => {
    const xor = load('xor.json');
    expect(layers(moveLayer(xor, [1], 2))).toEqual([{ type: 'linear', in: 2, out: 8 }, { type: 'linear', in: 8, out: 2 }, { type: 'tanh' }]);
    expect(layers(moveLayer(xor, [1], 0))).toEqual([{ type: 'tanh' }, { type: 'linear', in: 2, out: 8 }, { type: 'linear', in: 8, out: 2 }]);
    const swapped = moveLayer({ model: { layers: [{ type: 'linear', in: 2, out: 8 }, { type: 'linear', in: 8, out: 3 }, { type: 'linear', in: 3, out: 1 }] } }, [2], 1, { inputWidth: 2 });
    expect(layers(swapped)).toEqual([{ type: 'linear', in: 2, out: 8 }, { type: 'linear', in: 8, out: 1 }, { type: 'linear', in: 1, out: 3 }]);
    expect(layers(moveLayer(xor, [0], -5))).toEqual(XOR_LAYERS);
  });

  it('changes a layer type keeping shared fields and the widths in and out', () => {
    const gru = setLayerType(load('adding-lstm.json'), [0], 'gru');
    expect(layers(gru)).toEqual([{ type: 'gru', input_size: 2, hidden_size: 32 }, { type: 'last_step' }, { type: 'linear', in: 32, out: 1 }]);
    const lstm = setLayerType(load('xor.json'), [0], 'lstm');
    expect((layers(lstm) as JsonObject[])[0]).toEqual({ type: 'lstm', input_size: 2, hidden_size: 8 });
    const lin = setLayerType({ model: { layers: [{ type: 'rnn', input_size: 3, hidden_size: 5, bidirectional: true, nonlinearity: 'relu', my_note: 'keep' }, { type: 'linear', in: 10, out: 1 }] } }, [0], 'linear');
    expect(layers(lin)).toEqual([{ type: 'linear', my_note: 'keep', in: 3, out: 10 }, { type: 'linear', in: 10, out: 1 }]);
    expect((layers(setLayerType(load('xor.json'), [1], 'dropout')) as JsonObject[])[1]).toEqual({ type: 'dropout' });
  });

  it('edits inside a residual block', () => {
    const spec: JsonObject = { model: { layers: [{ type: 'linear', in: 2, out: 4 }, { type: 'residual', layers: [{ type: 'linear', in: 4, out: 4 }] }] } };
    const added = addLayer(spec, [1], 1, 'relu');
    expect((layers(added) as JsonObject[])[1]).toEqual({ type: 'residual', layers: [{ type: 'linear', in: 4, out: 4 }, { type: 'relu' }] });
    const block = addLayer(spec, [], 2, 'residual');
    expect((layers(block) as JsonObject[])[2]).toEqual({ type: 'residual', layers: [{ type: 'linear', in: 4, out: 4 }, { type: 'tanh' }] });
    const inner = setLayerField(added, [1, 0], 'out', 6);
    expect((layers(inner) as JsonObject[])[1]).toEqual({ type: 'residual', layers: [{ type: 'linear', in: 4, out: 6 }, { type: 'relu' }] });
    const removed = removeLayer(added, [1, 0]);
    expect((layers(removed) as JsonObject[])[1]).toEqual({ type: 'residual', layers: [{ type: 'relu' }] });
  });

  it('sets and clears model-level fields, nested ones too', () => {
    const gan = load('gan-ring-wgan-gp.json');
    const lr = setModelField(gan, ['generator_optimizer', 'lr'], 0.0005);
    expect((lr['model'] as JsonObject)['generator_optimizer']).toEqual({ type: 'adam', lr: 0.0005, betas: [0.5, 0.9] });
    const cleared = setModelField({ model: { kind: 'gan', generator_optimizer: { lr: 1 } } }, ['generator_optimizer', 'lr'], undefined);
    expect(cleared['model']).toEqual({ kind: 'gan' });
    const created = setModelField({ model: { kind: 'gan' } }, ['discriminator_optimizer', 'type'], 'sgd');
    expect(created['model']).toEqual({ kind: 'gan', discriminator_optimizer: { type: 'sgd' } });
    expect(setModelField(load('xor.json'), ['init'], 'orthogonal')['model']).toEqual({ layers: XOR_LAYERS, init: 'orthogonal' });
    expect(gan['model']).toEqual(load('gan-ring-wgan-gp.json')['model']);
  });

  it('adds the first layer to an empty model', () => {
    expect(layers(addLayer({ model: {} }, [], 0, 'linear', { inputWidth: 3 }))).toEqual([{ type: 'linear', in: 3, out: 3 }]);
  });
});

describe('final_state, Transformer layers and init scales', () => {
  const fieldsOf = (type: string): Array<[string | undefined, unknown]> =>
    LAYER_TYPES.find((t) => t.type === type)!.fields.map((d) => [d.path[0], d.default]);

  it('has the fields and defaults of docs/spec.md for the Transformer layers', () => {
    expect(fieldsOf('layer_norm')).toEqual([
      ['normalized_shape', undefined],
      ['eps', 1e-5],
      ['elementwise_affine', true],
    ]);
    expect(fieldsOf('multihead_attention')).toEqual([
      ['embed_dim', undefined],
      ['num_heads', undefined],
      ['causal', false],
      ['dropout', 0],
    ]);
    expect(fieldsOf('transformer_encoder_layer')).toEqual([
      ['d_model', undefined],
      ['nhead', undefined],
      ['dim_feedforward', 2048],
      ['activation', 'relu'],
      ['norm_first', false],
      ['dropout', 0],
      ['layer_norm_eps', 1e-5],
      ['causal', false],
    ]);
    expect(fieldsOf('final_state')).toEqual([]);
    expect(fieldsOf('mean_pool')).toEqual([]);
  });

  it('reads the Transformer example into cards, and back unchanged', () => {
    const spec = load('order-transformer.json');
    const f = form(spec);
    const types = f.layers.map((l) => l.type);
    expect(types).toContain('transformer_encoder_layer');
    expect(f.layers.every((l) => l.def !== undefined)).toBe(true);
    const enc = f.layers.find((l) => l.type === 'transformer_encoder_layer')!;
    expect(enc.otherKeys).toEqual([]);
    expect(enc.fields.find((x) => x.def.path[0] === 'd_model')?.def.role).toBe('input');
  });

  it('adds Transformer layers that fit the features flowing in, with heads that divide them', () => {
    const spec: JsonObject = { model: { layers: [{ type: 'embedding', num_embeddings: 10, embedding_dim: 6 }] } };
    const add = (type: string) => (layers(addLayer(spec, [], 1, type)) as JsonObject[])[1];
    expect(add('layer_norm')).toEqual({ type: 'layer_norm', normalized_shape: 6 });
    expect(add('multihead_attention')).toEqual({ type: 'multihead_attention', embed_dim: 6, num_heads: 2 });
    expect(add('transformer_encoder_layer')).toEqual({ type: 'transformer_encoder_layer', d_model: 6, nhead: 2, dim_feedforward: 24 });
    expect(add('mean_pool')).toEqual({ type: 'mean_pool' });
    // a width change upstream reaches the attention layer's input field, through a mean_pool too
    const chain: JsonObject = {
      model: {
        layers: [
          { type: 'embedding', num_embeddings: 10, embedding_dim: 6 },
          { type: 'transformer_encoder_layer', d_model: 6, nhead: 2 },
          { type: 'mean_pool' },
          { type: 'linear', in: 6, out: 2 },
        ],
      },
    };
    expect(layers(setLayerField(chain, [0], 'embedding_dim', 8))).toEqual([
      { type: 'embedding', num_embeddings: 10, embedding_dim: 8 },
      { type: 'transformer_encoder_layer', d_model: 8, nhead: 2 },
      { type: 'mean_pool' },
      { type: 'linear', in: 8, out: 2 },
    ]);
  });

  it('final_state after a bidirectional LSTM passes both directions on (2H features)', () => {
    const spec: JsonObject = {
      model: {
        layers: [
          { type: 'lstm', input_size: 4, hidden_size: 16, bidirectional: true },
          { type: 'final_state' },
          { type: 'linear', in: 32, out: 2 },
        ],
      },
    };
    expect(form(spec).layers[1]!.def?.group).toBe('sequence');
    expect(layers(setLayerField(spec, [0], 'hidden_size', 8))).toEqual([
      { type: 'lstm', input_size: 4, hidden_size: 8, bidirectional: true },
      { type: 'final_state' },
      { type: 'linear', in: 16, out: 2 },
    ]);
    // retyping last_step <-> final_state keeps the chain
    expect((layers(setLayerType(spec, [1], 'last_step')) as JsonObject[])[1]).toEqual({ type: 'last_step' });
  });

  it("shows a layer's init scale fields for the init in force (its own, else the model's), and any that is set", () => {
    const scales = (spec: JsonObject, i = 0) =>
      form(spec)
        .layers[i]!.fields.map((x) => x.def.path[0]!)
        .filter((k) => k.startsWith('init_'));
    const lin = (extra: JsonObject = {}, model: JsonObject = {}): JsonObject => ({ model: { ...model, layers: [{ type: 'linear', in: 2, out: 3, ...extra }] } });
    expect(scales(lin())).toEqual([]);
    expect(scales(lin({ init: 'normal' }))).toEqual(['init_std']);
    expect(scales(lin({ init: 'uniform' }))).toEqual(['init_bound']);
    expect(scales(lin({ init: 'orthogonal' }))).toEqual(['init_gain']);
    expect(scales(lin({ init: 'kaiming_normal' }))).toEqual(['init_a', 'init_mode', 'init_nonlinearity']);
    expect(scales(lin({}, { init: 'xavier_uniform' }))).toEqual(['init_gain']); // the model's init
    expect(scales(lin({ init: 'normal' }, { init: 'xavier_uniform' }))).toEqual(['init_std']); // its own wins
    expect(scales(lin({ init_std: 0.5 }))).toEqual(['init_std']); // set: shown (the core says why it is wrong)
    const lstm: JsonObject = { model: { layers: [{ type: 'lstm', input_size: 2, hidden_size: 3, init: 'normal', init_std: 0.01 }] } };
    expect(form(lstm).layers[0]!.fields.find((x) => x.def.path[0] === 'init_std')).toMatchObject({ pointer: '/model/layers/0/init_std', value: 0.01 });
    expect(scales({ model: { layers: [{ type: 'conv2d', in_channels: 1, out_channels: 2, kernel_size: 3, init: 'uniform' }] } })).toEqual(['init_bound']);
    // model-wide: the model's own scale fields for its init
    const modelScales = (model: JsonObject) =>
      form({ model: { layers: [], ...model } })
        .fields.map((x) => x.def.path[0]!)
        .filter((k) => k.startsWith('init'));
    expect(modelScales({})).toEqual(['init']);
    expect(modelScales({ init: 'xavier_normal', init_gain: 1.6667 })).toEqual(['init', 'init_gain']);
    expect(form({ model: { init: 'xavier_normal', init_gain: 1.6667, layers: [] } }).fields[1]).toMatchObject({ pointer: '/model/init_gain', value: 1.6667 });
  });

  it('changing an init drops the scale fields the new one does not take (the core would refuse them)', () => {
    const spec: JsonObject = {
      model: {
        init: 'normal',
        init_std: 0.05,
        layers: [
          { type: 'linear', in: 2, out: 3, init_std: 0.2 },
          { type: 'tanh' },
          { type: 'linear', in: 3, out: 1, init: 'uniform', init_bound: 0.3 },
        ],
      },
    };
    const layer0 = (layers(setLayerField(spec, [0], 'init', 'xavier_normal')) as JsonObject[])[0];
    expect(layer0).toEqual({ type: 'linear', in: 2, out: 3, init: 'xavier_normal' });
    // back to the default: the layer takes the model's normal init again, its init_std stays valid
    expect((layers(setLayerField(spec, [0], 'init', undefined)) as JsonObject[])[0]).toEqual({ type: 'linear', in: 2, out: 3, init_std: 0.2 });
    // the model's init: its own init_std goes, and so does that of the layer that took it; the uniform layer keeps its bound
    const m = setModelField(spec, ['init'], 'kaiming_uniform')['model'] as JsonObject;
    expect(m['init_std']).toBeUndefined();
    expect(m['init']).toBe('kaiming_uniform');
    expect(m['layers']).toEqual([
      { type: 'linear', in: 2, out: 3 },
      { type: 'tanh' },
      { type: 'linear', in: 3, out: 1, init: 'uniform', init_bound: 0.3 },
    ]);
    expect(spec['model']).toMatchObject({ init: 'normal', init_std: 0.05 }); // the argument is not changed
  });
});
