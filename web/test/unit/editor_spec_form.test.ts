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

  it('has a field list for every layer type the core accepts', () => {
    expect(LAYER_TYPES.map((t) => t.type).sort()).toEqual(
      ['linear', 'tanh', 'sigmoid', 'relu', 'leaky_relu', 'gelu', 'softmax', 'log_softmax', 'rnn', 'lstm', 'gru', 'last_step', 'embedding', 'flatten', 'unflatten', 'conv2d', 'max_pool2d', 'avg_pool2d', 'batch_norm1d', 'batch_norm2d', 'dropout', 'residual', 'positional'].sort(),
    );
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
