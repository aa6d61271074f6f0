// The form's newer layers (final_state, the Transformer layers, init scales) against the
// built engine's validator: every layer the "add layer" bar makes is a valid spec, and the
// parameter counts the cards show (the validator's LayerSummary) are those of docs/spec.md.
// Skipped when build/wasm has no node module.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { demoValidate } from '../../src/editor/demo_validate';
import { addLayer, setLayerField, setModelField, type JsonObject } from '../../src/editor/spec_form';
import type { Validation } from '../../src/engine/types';

const enginePath = new URL('../../../build/wasm/bindings/wasm/gradlab-simd-node.cjs', import.meta.url).pathname;
type Engine = { validate(spec: string): Validation };
const engine = async (): Promise<Engine> => (await (createRequire(import.meta.url)(enginePath) as () => Promise<Engine>)());

/** A sequence model: token ids -> embedding [B, T, 8], then what the test adds, then mean over time and a linear to 2. */
const base = (): JsonObject => ({
  version: 1,
  seed: 0,
  data: { dataset: 'order', options: { n_samples: 64, seq_len: 6 } },
  model: { layers: [{ type: 'linear', in: 4, out: 8 }, { type: 'mean_pool' }, { type: 'linear', in: 8, out: 2 }] },
  loss: { type: 'cross_entropy' },
  optimizer: { type: 'adam', lr: 0.01 },
  training: { steps: 10, batch_size: 16 },
});

describe.skipIf(!existsSync(enginePath))('new layers in the form, checked by the engine', () => {
  it('each Transformer layer the add bar makes validates, with the count of docs/spec.md', async () => {
    const g = await engine();
    const E = 8;
    const v0 = g.validate(JSON.stringify(base()));
    expect(v0.issues).toEqual([]);
    const expected: Record<string, number> = {
      layer_norm: 2 * E,
      multihead_attention: 3 * E * E + 3 * E + E * E + E,
      transformer_encoder_layer: 4 * E * E + 4 * E + (4 * E * E + 4 * E) + (E * 4 * E + E) + 4 * E, // F = 4E as the form makes it
      positional: 0, // sinusoidal: no parameters
    };
    for (const [type, count] of Object.entries(expected)) {
      const spec = addLayer(base(), [], 1, type, { inputWidth: 4 });
      const v = g.validate(JSON.stringify(spec));
      expect(v.issues, type).toEqual([]);
      const s = v.layers.find((l) => l.pointer === '/model/layers/1')!;
      expect(s.type).toBe(type);
      expect(s.parameters, `${type}: ${s.formula}`).toBe(count);
      expect(s.output).toEqual(v.layers[0]!.output); // keeps the shape
      expect(v.total_parameters).toBe(v0.total_parameters + count);
      // the editor demo page's stand-in validator gives the same counts and shapes
      const demo = await demoValidate(JSON.stringify({ ...spec, data: { batch: { inputs: { shape: [16, 6, 4] } } } }));
      expect(demo.issues, type).toEqual([]);
      expect(demo.layers.map((l) => l.parameters)).toEqual(v.layers.map((l) => l.parameters));
      expect(demo.layers.map((l) => l.output.length)).toEqual(v.layers.map((l) => l.output.length));
    }
    // mean_pool: no parameters, [B, T, E] -> [B, E]
    const pool = v0.layers[1]!;
    expect(pool.parameters).toBe(0);
    expect(pool.output.length).toBe(v0.layers[0]!.output.length - 1);
  });

  it('final_state after a bidirectional GRU: no parameters, 2H features on, and the width follows an edit', async () => {
    const g = await engine();
    let spec = base();
    spec = setModelField(spec, ['layers'], [
      { type: 'gru', input_size: 4, hidden_size: 5, bidirectional: true },
      { type: 'final_state' },
      { type: 'linear', in: 10, out: 2 },
    ]);
    let v = g.validate(JSON.stringify(spec));
    expect(v.issues).toEqual([]);
    expect(v.layers[1]).toMatchObject({ type: 'final_state', parameters: 0 });
    expect(v.layers[1]!.output.slice(-1)).toEqual([10]);
    spec = setLayerField(spec, [0], 'hidden_size', 7);
    v = g.validate(JSON.stringify(spec));
    expect(v.issues).toEqual([]);
    expect(v.layers[2]!.output.slice(-1)).toEqual([2]);
    expect(((spec['model'] as JsonObject)['layers'] as JsonObject[])[2]!['in']).toBe(14);
  });

  it('an init change in the form never leaves a scale field the engine refuses', async () => {
    const g = await engine();
    let spec = setModelField(base(), ['init'], 'normal');
    spec = setModelField(spec, ['init_std'], 0.02);
    spec = setLayerField(spec, [0], 'init', 'uniform');
    spec = setLayerField(spec, [0], 'init_bound', 0.3);
    expect(g.validate(JSON.stringify(spec)).issues).toEqual([]);
    // what the form drops is what the engine would refuse: put it back by hand and see
    const kept = setLayerField(spec, [0], 'init', 'xavier_uniform');
    expect(g.validate(JSON.stringify(kept)).issues).toEqual([]);
    const stale = structuredClone(kept);
    (((stale['model'] as JsonObject)['layers'] as JsonObject[])[0]!)['init_bound'] = 0.3;
    expect(g.validate(JSON.stringify(stale)).issues.map((i) => i.pointer)).toEqual(['/model/layers/0/init_bound']);
    const model = setModelField(spec, ['init'], 'orthogonal');
    expect((model['model'] as JsonObject)['init_std']).toBeUndefined();
    expect(g.validate(JSON.stringify(model)).issues).toEqual([]);
  });
});
