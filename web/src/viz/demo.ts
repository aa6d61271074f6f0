// A page for the views' author (not part of the app build): every plot and "inside" view
// fed with the fixtures in test/fixtures. Serve with `npx vite` in web/ and open
// /src/viz/demo.html (?only=<name> shows one section; ?theme=dark).
import '../styles.css';
import './demo.css';
import { AttentionView, GanView, GatesView, GradcheckView, GradThroughTime, GraphView, HistogramsView, JacobianView, PredictionsView, TextSamplesView } from '../ui/inside';
import { FieldPlot, type FieldSnapshot } from './field-plot';
import { LineChart } from './line-chart';
import { el } from './surface';

const FIX = import.meta.glob<string>('../../test/fixtures/*.json', { query: '?raw', import: 'default', eager: true });
const fx = <T>(name: string): T => JSON.parse(FIX[`../../test/fixtures/${name}`] ?? 'null') as T;

const params = new URLSearchParams(location.search);
const only = params.get('only');
const theme = params.get('theme') ?? 'light';
document.documentElement.dataset['theme'] = theme;
const themeSel = document.getElementById('demo-theme') as HTMLSelectElement;
themeSel.value = theme;
themeSel.addEventListener('change', () => (document.documentElement.dataset['theme'] = themeSel.value));
const main = document.getElementById('demo')!;
const log = (msg: string): void => console.log(`[demo] ${msg}`);

function section(name: string, title: string, mount: (host: HTMLElement) => void): void {
  if (only && only !== name) return;
  const s = el('section', 'demo-section');
  s.id = `demo-${name}`;
  s.appendChild(el('h2', undefined, title));
  main.appendChild(s);
  mount(s);
}

section('curves', 'LineChart: XOR loss and accuracy (curves)', (h) => {
  const rows = fx<Array<Record<string, unknown>>>('xor.metrics.json');
  const train = rows.filter((r) => r['kind'] !== 'eval');
  const evals = rows.filter((r) => r['kind'] === 'eval');
  const loss = new LineChart(h, { xLabel: 'training step', yLabel: 'loss', yScale: 'log', logToggle: true, title: 'Loss' });
  loss.update([
    { name: 'train loss', x: train.map((r) => r['step'] as number), y: train.map((r) => r['loss'] as number) },
    { name: 'test loss', x: evals.map((r) => r['step'] as number), y: evals.map((r) => (r['test'] as { loss: number }).loss), dash: [6, 3], points: true },
  ]);
  const acc = new LineChart(h, { xLabel: 'training step', yLabel: 'accuracy', yDomain: [0, 1], height: 150, title: 'Accuracy' });
  acc.update([
    { name: 'train accuracy', x: train.map((r) => r['step'] as number), y: train.map((r) => r['accuracy'] as number) },
    { name: 'test accuracy', x: evals.map((r) => r['step'] as number), y: evals.map((r) => (r['test'] as { accuracy: number }).accuracy), dash: [6, 3], points: true },
  ]);
});
section('field', 'FieldPlot: XOR decision field (trained)', (h) => new FieldPlot(h).update(fx<FieldSnapshot>('xor.field.json')));
section('field-curve', 'FieldPlot: 1-D curve (tiny chain rule, fresh)', (h) => new FieldPlot(h).update(fx<FieldSnapshot>('tiny-chain-rule.field.json')));
section('histograms', 'histograms: XOR parameters (after 150 steps, wasm)', (h) => {
  const v = new HistogramsView(h);
  v.update({ params: fx('xor.params.init.json'), step: 0 });
  v.update({ params: fx('xor.params.trained-wasm.json'), step: 150 });
});
section('grad-through-time', 'grad-through-time: tanh RNN, 2 layers, bidirectional (fresh)', (h) => new GradThroughTime(h).update(fx('rnn-tanh-bidi.recurrent.json')));
section('grad-through-time-lstm', 'grad-through-time: LSTM on the adding problem (trained)', (h) => new GradThroughTime(h).update(fx('lstm-small.recurrent.json')));
section('gates', 'gates: LSTM (trained), with the clamp control', (h) => {
  const v = new GatesView(h, { onClamp: (g, val) => log(`clamp ${g} ${val}`) });
  v.update(fx('lstm-small.recurrent.json'));
});
section('jacobian', 'jacobian: LSTM full-state step Jacobian (trained)', (h) => new JacobianView(h).update(fx('lstm-small.jacobian.json')));
section('jacobian-rnn', 'jacobian: tanh RNN (fresh)', (h) => new JacobianView(h).update(fx('rnn-tanh-bidi.jacobian.json')));
section('attention', 'attention: dates (trained)', (h) => new AttentionView(h).update(fx('dates-attention.attention.json')));
section('gan', 'gan: minimax on a ring (300 steps, wasm; arrows from critic_field)', (h) => {
  const v = new GanView(h, { onStep: (p) => log(`step ${p}`) });
  v.update({
    samples: fx('gan-ring-minimax.samples-wasm.json'),
    critic_field: fx('gan-ring-minimax.critic_field-wasm.json'),
    coverage: fx('gan-ring-minimax.coverage-wasm.json'),
    metrics: fx('gan-ring-minimax.metrics-wasm.json'),
  });
});
section('gan-wgan', 'gan: WGAN-GP on a ring (trained, CLI)', (h) => {
  const v = new GanView(h);
  v.update({ samples: fx('gan-ring-wgan-gp.samples.json'), critic_field: fx('gan-ring-wgan-gp.critic_field.json'), coverage: fx('gan-ring-wgan-gp.coverage.json'), metrics: fx('gan-ring-wgan-gp.metrics.json') });
});
section('graph', 'graph: tiny chain rule', (h) => new GraphView(h).update(fx('tiny-chain-rule.graph.json')));
section('gradcheck', 'gradcheck: XOR (session.checkGradients, wasm)', (h) => {
  const v = new GradcheckView(h, { onRun: () => log('run gradcheck') });
  v.update(fx('xor.checkgradients-wasm.json'));
});
section('predictions', 'predictions: parity with an LSTM (wasm)', (h) => new PredictionsView(h, { maxExamples: 3 }).update(fx('parity-lstm.predictions.json')));
section('predictions-tokens', 'predictions: seq2seq tokens (hand-made, hostile token)', (h) => new PredictionsView(h).update(fx('seq2seq.predictions.handmade.json')));
section('text-samples', 'text-samples: character GRU (wasm)', (h) => {
  const v = new TextSamplesView(h, { onSample: (r) => log(`sample ${JSON.stringify(r)}`) });
  v.update({ ...fx<{ text: string }>('char-lm-gru.sample-t1.5.json'), temperature: 1.5 });
  v.update({ ...fx<{ text: string }>('char-lm-gru.sample-t0.5.json'), temperature: 0.5 });
});
document.body.dataset['ready'] = '1';
