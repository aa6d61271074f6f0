// Per-experiment tools beside the views: the gradient check (button + table), text
// samples with a temperature slider for language models, and step D / step G / step both
// for GANs. Each part shows only when the experiment supports it.
import type { EngineClient } from '../engine/client';
import { engineErrorOf } from '../engine/client';
import { describeError, type EngineFeatures, type SessionInfo } from '../engine/protocol';
import { specKind } from '../state/settings';
import { button, clear, field, h, InlineError } from './dom';

interface GradcheckRow {
  name: string;
  shape?: number[];
  max_rel_error?: number;
  max_abs_error?: number;
  ok?: boolean;
}

export class ExtrasPanel {
  private readonly root: HTMLElement;

  constructor(host: HTMLElement, private readonly client: EngineClient, private readonly temperature: () => number) {
    this.root = h('div', { class: 'extras' });
    host.append(this.root);
  }

  configure(spec: Record<string, unknown>, info: SessionInfo, features: EngineFeatures): void {
    clear(this.root);
    const kind = specKind(spec);
    const dataset = String((spec.data as Record<string, unknown> | undefined)?.dataset ?? '');
    if (dataset === 'char_lm' || dataset === 'next_word') this.root.append(this.samples(features));
    if (kind === 'sequential') this.root.append(this.gradcheck(info));
  }

  private gradcheck(info: SessionInfo): HTMLElement {
    const card = h('section', { class: 'card' }, h('header', {}, h('h3', { text: 'Gradient check' })));
    const body = h('div', { class: 'view', 'data-view': 'gradcheck' }) as HTMLDivElement & { gradlabData?: unknown };
    const big = info.params.total > 20000;
    const run = button('Check gradients', { id: 'gradcheck' });
    const note = h('p', {
      class: 'muted small',
      text: `Compares backprop's gradient of every parameter with finite differences (f(w+ε) − f(w−ε)) / 2ε on one batch.${big ? ' This model is large: the check can take a while.' : ''}`,
    });
    const err = new InlineError(body);
    run.addEventListener('click', () => {
      run.disabled = true;
      run.textContent = 'Checking…';
      void this.client
        .call('checkGradients', {})
        .then((r) => {
          const rows = ((r as { parameters?: GradcheckRow[] }).parameters ?? []) as GradcheckRow[];
          body.gradlabData = r;
          err.show('');
          body.querySelector('table')?.remove();
          const table = h('table', { class: 'gradcheck-table' }, h('tr', {}, ...['parameter', 'shape', 'max rel. error', 'ok'].map((t) => h('th', { text: t }))));
          for (const p of rows) {
            table.append(
              h('tr', { class: p.ok ? '' : 'bad' },
                h('td', { class: 'mono', text: p.name }),
                h('td', { text: `[${(p.shape ?? []).join(', ')}]` }),
                h('td', { text: typeof p.max_rel_error === 'number' ? p.max_rel_error.toExponential(2) : '—' }),
                h('td', { text: p.ok ? '✓' : '✗ too far apart' })),
            );
          }
          body.append(table);
        }, (e) => err.show(describeError(engineErrorOf(e))))
        .finally(() => {
          run.disabled = false;
          run.textContent = 'Check gradients';
        });
    });
    body.append(note, run);
    card.append(body);
    return card;
  }

  private samples(features: EngineFeatures): HTMLElement {
    const card = h('section', { class: 'card' }, h('header', {}, h('h3', { text: 'Text samples' })));
    const body = h('div', { class: 'view', 'data-view': 'text-samples' }) as HTMLDivElement & { gradlabData?: unknown };
    const prompt = h('input', { id: 'sample-prompt', type: 'text', value: 'the ' });
    const temp = h('input', { id: 'temperature', type: 'range', min: 0.1, max: 2, step: 0.05, value: this.temperature() || 1 });
    const tempOut = h('output', { for: 'temperature', text: String(temp.value) });
    temp.addEventListener('input', () => (tempOut.textContent = temp.value));
    const out = h('pre', { class: 'sample-text' });
    const err = new InlineError(body);
    const go = button('Sample', { id: 'sample' });
    go.disabled = !features.sample;
    if (!features.sample) err.show('Sampling needs a newer engine build (session.sample).');
    go.addEventListener('click', () =>
      void this.client
        .call('sample', { prompt: prompt.value, length: 200, temperature: Number(temp.value), seed: Math.floor(Math.random() * 1e6) })
        .then((r) => {
          out.textContent = r.text;
          body.gradlabData = { text: r.text, temperature: Number(temp.value) };
          err.show('');
        }, (e) => err.show(describeError(engineErrorOf(e)))),
    );
    body.append(field('Prompt', prompt), h('div', { class: 'row' }, field('Temperature', temp), tempOut), go, out);
    card.append(body);
    return card;
  }
}
