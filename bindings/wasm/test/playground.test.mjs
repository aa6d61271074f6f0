// The module-level and Session functions the web playground uses beyond training:
// validate(), datasets(), data(), sample(), the predictions and critic_field snapshots,
// stepPlayer(), update() (bit-exact resume after it), and parameters()/gradients() as
// Float32Array copies. Each bad input is an Error with a useful message, followed by a
// good call that works.
import assert from 'node:assert/strict';
import test from 'node:test';

import { loadGradlab, readExample } from '../load.mjs';

const gradlab = await loadGradlab();
const xorText = readExample('xor.json');
const xor = JSON.parse(xorText);
const edit = (spec, f) => {
  const s = structuredClone(spec);
  f(s);
  return JSON.stringify(s);
};

// A small character language model; its vocabulary size comes from the data.
function charLmSpec(vocab) {
  return {
    version: 1, seed: 2,
    data: { dataset: 'char_lm', options: { n_samples: 200, seq_len: 16 } },
    model: { layers: [{ type: 'embedding', num_embeddings: vocab, embedding_dim: 8 },
      { type: 'gru', input_size: 8, hidden_size: 16 }, { type: 'linear', in: 16, out: vocab }] },
    loss: { type: 'cross_entropy' }, optimizer: { type: 'adam', lr: 0.01 }, training: { steps: 10, batch_size: 16 },
  };
}
// (a first embedding must have a row per token of the vocabulary: 4096 covers any built-in text)
const probe = new gradlab.Session(charLmSpec(4096));
const charVocab = probe.data('train', 1).source_vocab;
probe.delete();

function throwsThenWorks(what, bad, message, good) {
  assert.throws(bad, (e) => {
    assert.ok(e instanceof Error, `${what}: threw ${e}, not an Error`);
    assert.match(e.message, message, `${what}: message`);
    return true;
  }, what);
  good();
}

test('validate: layers, shapes and size of a good spec without building it', () => {
  const r = gradlab.validate(xorText);
  assert.equal(r.ok, true);
  assert.deepEqual(r.issues, []);
  assert.deepEqual(r.input_shape, [32, 2]);
  assert.deepEqual(r.layers.map((l) => l.pointer), ['/model/layers/0', '/model/layers/1', '/model/layers/2']);
  assert.deepEqual(r.layers[0].output, [32, 8]);
  assert.equal(r.layers[0].parameters, 24);
  assert.match(r.layers[0].formula, /out\*in \+ out = 8\*2 \+ 8/);
  const s = new gradlab.Session(xorText);
  assert.equal(r.total_parameters, s.params().total);
  s.delete();
  // Objects work too, and every model kind.
  for (const name of ['adding-lstm.json', 'dates-attention.json', 'gan-ring-minimax.json']) {
    const v = gradlab.validate(JSON.parse(readExample(name)));
    assert.equal(v.ok, true, name);
    const built = new gradlab.Session(readExample(name));
    assert.equal(v.total_parameters, built.params().total, name);
    built.delete();
  }
  assert.equal(gradlab.validate(readExample('gan-ring-minimax.json')).layers[0].pointer, '/model/generator/layers/0');
});

test('validate: every problem at once, never throws', () => {
  const r = gradlab.validate(edit(xor, (s) => { s.optimizer.lr = -1; s.model.layers[1].type = 'tanhh'; s.training.batch_size = 0; }));
  assert.equal(r.ok, false);
  const pointers = r.issues.map((i) => i.pointer);
  for (const p of ['/optimizer/lr', '/model/layers/1/type', '/training/batch_size']) assert.ok(pointers.includes(p), `${p} in ${pointers}`);
  assert.equal(r.input_shape, null);

  const json = gradlab.validate('{"version": 1,\n  oops}');
  assert.equal(json.ok, false);
  assert.equal(json.issues[0].pointer, '');
  assert.match(json.issues[0].message, /line 2, column 3/);

  const shapes = gradlab.validate(edit(xor, (s) => { s.model.layers[2].in = 7; }));
  assert.deepEqual(shapes.issues.map((i) => i.pointer), ['/model/layers/2/in']);
  assert.equal(shapes.layers.length, 2);

  const data = gradlab.validate(edit(xor, (s) => { s.data.dataset = 'mnist'; }));
  assert.equal(data.issues[0].pointer, '/data/dataset');
  assert.match(data.issues[0].message, /unknown dataset 'mnist'/);
  assert.equal(gradlab.validate(xorText).ok, true);
});

test('datasets: the catalog with typed options', () => {
  const d = gradlab.datasets();
  assert.ok(d.length > 20);
  const spiral = d.find((e) => e.name === 'spiral');
  assert.equal(spiral.task, 'classification');
  assert.ok(spiral.description.length > 0);
  const arms = spiral.options.find((o) => o.name === 'num_classes');
  assert.deepEqual([arms.type, arms.default, arms.min, arms.max], ['int', 2, 2, 10]);
  assert.equal(spiral.options.find((o) => o.name === 'noise').type, 'number');
  for (const e of d) for (const o of e.options) assert.ok(['int', 'number', 'bool', 'string', 'number[]', 'points'].includes(o.type), `${e.name}.${o.name}: ${o.type}`);
  assert.equal(d.find((e) => e.name === 'csv').task, 'auto');
});

test('data: rows as Float32Array with shapes, vocabularies for token data', () => {
  const s = new gradlab.Session(xorText);
  const d = s.data();
  assert.equal(d.task, 'classification');
  assert.deepEqual(d.inputs.shape, [320, 2]);
  assert.ok(d.inputs.data instanceof Float32Array);
  assert.equal(d.inputs.data.length, 640);
  assert.deepEqual(d.targets.shape, [320]);
  assert.equal(d.source_vocab, undefined);
  assert.deepEqual(s.data('test', 5).inputs.shape, [5, 2]);
  throwsThenWorks('unknown split', () => s.data('validation'), /data: unknown split 'validation' \(allowed: train, test\)/,
    () => assert.equal(s.data('train', 2).inputs.data.length, 4));
  throwsThenWorks('negative maxRows', () => s.data('train', -1), /maxRows must be a whole number from 0 to 1000000, got -1/,
    () => assert.equal(s.data('train', 0).inputs.data.length, 0));
  s.delete();
  const dates = new gradlab.Session(readExample('dates-attention.json'));
  const t = dates.data('test', 3);
  assert.equal(t.task, 'seq2seq');
  assert.equal(t.source_vocab[0], '<pad>');
  assert.equal(t.target_vocab[2], '<eos>');
  dates.delete();
});

test('sample: text from a character language model', () => {
  const s = new gradlab.Session(charLmSpec(charVocab.length));
  s.train(10);
  const a = s.sample({ prompt: 'the ', length: 30, temperature: 0 });
  assert.equal(a.tokens.length, 30);
  assert.equal(a.text, a.tokens.join(''));
  assert.deepEqual(a, s.sample({ prompt: 'the ', length: 30, temperature: 0, seed: 7 }));
  const b = s.sample({ length: 25, seed: 3 });
  assert.deepEqual(b, s.sample({ length: 25, seed: 3 }));
  assert.equal(s.sample().tokens.length, 200);
  throwsThenWorks('characters outside the vocabulary', () => s.sample({ prompt: 'The Q' }),
    /outside the model's vocabulary: "T", "Q"/, () => assert.equal(s.sample({ prompt: 'the', length: 3 }).tokens.length, 3));
  throwsThenWorks('zero length', () => s.sample({ length: 0 }), /length must be a whole number from 1 to 10000, got 0/,
    () => assert.equal(s.sample({ length: 1 }).tokens.length, 1));
  throwsThenWorks('negative temperature', () => s.sample({ temperature: -1 }), /temperature must be from 0 \(greedy\) to 100, got -1/,
    () => s.sample({ length: 2, temperature: 0.5 }));
  s.delete();
  const x = new gradlab.Session(xorText);
  throwsThenWorks('not a language model', () => x.sample(), /only a language model \(data char_lm or next_word\).*'xor' \(classification\)/,
    () => x.step());
  x.delete();
});

test('predictions: the first 8 test examples of sequence models', () => {
  const lstm = new gradlab.Session(readExample('adding-lstm.json'));
  assert.ok(lstm.snapshotNames().includes('predictions'));
  const p = lstm.snapshot('predictions');
  assert.equal(p.split, 'test');
  assert.equal(p.kind, 'values');
  assert.equal(p.examples.length, 8);
  assert.equal(p.examples[0].input.length, 50);
  assert.equal(p.examples[0].input[0].length, 2);
  assert.equal(p.examples[0].target.length, 1);
  assert.equal(p.examples[0].prediction.length, 1);
  lstm.delete();
  const lm = new gradlab.Session(charLmSpec(charVocab.length));
  const q = lm.snapshot('predictions');
  assert.equal(q.kind, 'classes');
  assert.equal(q.examples[0].prediction.length, 16);
  assert.equal(q.examples[0].input_tokens.length, 16);
  assert.ok(q.examples[0].accuracy >= 0 && q.examples[0].accuracy <= 1);
  lm.delete();
  const dates = new gradlab.Session(readExample('dates-attention.json'));
  const d = dates.snapshot('predictions');
  assert.equal(d.kind, 'tokens');
  assert.equal(typeof d.examples[0].correct, 'boolean');
  dates.delete();
  const x = new gradlab.Session(xorText);
  throwsThenWorks('predictions of a 2-D model', () => x.snapshot('predictions'), /no snapshot named 'predictions'/, () => x.snapshot('params'));
  x.delete();
});

test('GAN: stepPlayer and the generator arrows in critic_field', () => {
  const g = new gradlab.Session(readExample('gan-ring-minimax.json'));
  const d = g.stepPlayer('discriminator');
  assert.equal(d.critic_updates, 1);
  assert.equal(d.step, 0);
  assert.equal(d.g_loss, null);
  const gen = g.stepPlayer('generator');
  assert.equal(gen.step, 1);
  assert.ok(Number.isFinite(gen.g_loss));
  throwsThenWorks('unknown player', () => g.stepPlayer('critic'), /unknown player 'critic' \(allowed: discriminator, generator\)/,
    () => assert.equal(g.stepPlayer('discriminator').critic_updates, 2));
  const f = g.snapshot('critic_field');
  assert.deepEqual(f.generated.shape, [64, 2]);
  assert.deepEqual(f.generator_gradients.shape, [64, 2]);
  assert.ok(f.generator_gradients.data.some((v) => v !== 0));
  g.delete();
  const x = new gradlab.Session(xorText);
  throwsThenWorks('stepPlayer without players', () => x.stepPlayer('generator'), /only a gan model has players/, () => x.step());
  x.delete();
});

test('update: a new learning rate applies now, and the checkpoint resumes bit for bit', () => {
  const a = new gradlab.Session(xorText);
  a.train(5);
  const result = a.update(edit(xor, (s) => { s.optimizer.lr = 0.05; s.training.clip_grad_norm = 1; }));
  assert.deepEqual(result, { applied: ['/optimizer/lr', '/training/clip_grad_norm'] });
  assert.equal(a.stepsDone(), 5);
  assert.equal(a.train(3)[2].lr, 0.05);
  const checkpoint = a.checkpoint();
  assert.equal(JSON.parse(checkpoint).spec.optimizer.lr, 0.05);
  const b = new gradlab.Session(a.specText());
  b.loadCheckpoint(checkpoint);
  assert.deepEqual(a.train(10), b.train(10));
  assert.deepEqual(a.parameters(), b.parameters());
  // reset() starts over from the updated spec.
  a.reset();
  assert.equal(a.step().lr, 0.05);
  a.delete();
  b.delete();
});

test('update: changes that need a reset throw NeedsReset and change nothing', () => {
  const s = new gradlab.Session(xorText);
  s.train(2);
  const before = s.checkpoint();
  assert.throws(() => s.update(edit(xor, (x) => { x.seed = 9; x.model.layers[0].out = 16; x.optimizer.lr = 0.01; })), (e) => {
    assert.equal(e.name, 'NeedsReset');
    assert.deepEqual(e.pointers, ['/model/layers/0/out', '/seed']);
    assert.match(e.message, /need a reset.*\/model\/layers\/0\/out, \/seed/);
    return true;
  });
  assert.equal(s.checkpoint(), before);
  assert.throws(() => s.update(edit(xor, (x) => { x.optimizer.lr = -1; })), (e) => {
    assert.equal(e.name, 'SpecError');
    assert.equal(e.issues[0].pointer, '/optimizer/lr');
    return true;
  });
  assert.equal(s.checkpoint(), before);
  throwsThenWorks('update with invalid JSON', () => s.update('{'), /not valid JSON/,
    () => assert.deepEqual(s.update(edit(xor, (x) => { x.optimizer = { type: 'adam', lr: 0.01 }; })).applied, ['/optimizer/lr', '/optimizer/momentum', '/optimizer/type']));
  assert.ok(Number.isFinite(s.step().loss));
  s.delete();
});

test('parameters() and gradients() are Float32Array copies equal to the JSON numbers', () => {
  const s = new gradlab.Session(xorText);
  s.train(3);
  const p = s.parameters();
  const ck = JSON.parse(s.checkpoint()).parameters;
  assert.deepEqual(Object.keys(p), s.parameterNames());
  for (const [name, v] of Object.entries(p)) {
    assert.ok(v instanceof Float32Array);
    assert.deepEqual(Array.from(v), ck[name].data);
  }
  const g = s.gradients();
  const gj = JSON.parse(s.gradJson()).gradients;
  for (const [name, v] of Object.entries(g)) assert.deepEqual(Array.from(v), gj[name].data);
  assert.deepEqual(s.parameter('layers.2.bias'), p['layers.2.bias']);
  throwsThenWorks('unknown parameter', () => s.parameter('layers.9.weight'),
    /no parameter named 'layers.9.weight' \(parameters: layers.0.weight, layers.0.bias, layers.2.weight, layers.2.bias\)/,
    () => assert.equal(s.gradient('layers.0.weight').length, 16));
  s.delete();
});
