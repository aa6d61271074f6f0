// Per-experiment tools beside the views: the gradient check (GradcheckView, the engine's
// session.checkGradients through the worker), text samples with a temperature slider for
// language models (TextSamplesView, session.sample through the worker), and variants side
// by side (ComparePanel, one extra worker per variant). Each part shows only when the
// experiment supports it.
import type { EngineClient } from '../engine/client';
import { engineErrorOf } from '../engine/client';
import { describeError, type EngineFeatures, type SessionInfo } from '../engine/protocol';
import { specKind } from '../state/settings';
import type { ClientFactory } from '../engine/compare';
import { ComparePanel } from './compare-panel';
import { clear, h, InlineError } from './dom';
import { GradcheckView } from './inside/gradcheck';
import { TextSamplesView, type SampleRequest } from './inside/text-samples';

export class ExtrasPanel {
  private readonly root: HTMLElement;
  private views: Array<{ dispose(): void }> = [];
  /** draws a fresh text sample (language models), e.g. when training pauses */
  private sampleNow: (() => void) | null = null;

  constructor(
    host: HTMLElement,
    private readonly client: EngineClient,
    private readonly temperature: () => number,
    /** starts another engine worker (variants side by side); none: no compare card */
    private readonly spawn: ClientFactory | null = null,
    /** the experiment as it is now (settings changed live included) */
    private readonly currentSpec: (() => Record<string, unknown>) | null = null,
  ) {
    this.root = h('div', { class: 'extras' });
    host.append(this.root);
  }

  configure(spec: Record<string, unknown>, info: SessionInfo, features: EngineFeatures): void {
    for (const v of this.views) v.dispose();
    this.views = [];
    this.sampleNow = null;
    clear(this.root);
    const kind = specKind(spec);
    const dataset = String((spec.data as Record<string, unknown> | undefined)?.dataset ?? '');
    if (dataset === 'char_lm' || dataset === 'next_word') this.root.append(this.samples(features, dataset));
    if (kind === 'sequential') this.root.append(this.gradcheck(info));
    if (kind !== 'gan' && this.spawn) this.root.append(this.compare(spec, this.spawn));
  }

  /** Training paused: show what the model writes now. */
  paused(): void {
    this.sampleNow?.();
  }

  private card(title: string): { card: HTMLElement; body: HTMLElement } {
    const body = h('div', { class: 'card-body' });
    const card = h('section', { class: 'card view-card' }, h('header', {}, h('h3', { text: title })), body);
    return { card, body };
  }

  private gradcheck(info: SessionInfo): HTMLElement {
    const { card, body } = this.card('Gradient check');
    const err = new InlineError(body);
    let running = false;
    const view: GradcheckView = new GradcheckView(body, {
      onRun: () => {
        if (running) return;
        running = true;
        const btn = body.querySelector<HTMLButtonElement>('#gradcheck-run');
        if (btn) {
          btn.disabled = true;
          btn.textContent = 'Checking…';
        }
        void this.client
          .call('checkGradients', {})
          .then((r) => {
            err.show('');
            view.update(r as Record<string, unknown>);
          }, (e) => err.show(describeError(engineErrorOf(e))))
          .finally(() => {
            running = false;
            if (btn) {
              btn.disabled = false;
              btn.textContent = 'Check gradients';
            }
          });
      },
    });
    if (info.params.total > 20000) body.append(h('p', { class: 'muted small', text: 'This model is large: the check can take a while.' }));
    this.views.push(view);
    return card;
  }

  private compare(spec: Record<string, unknown>, spawn: ClientFactory): HTMLElement {
    const { card, body } = this.card('Compare variants');
    card.id = 'compare-card';
    this.views.push(new ComparePanel(body, this.currentSpec ?? (() => spec), spawn));
    return card;
  }

  private samples(features: EngineFeatures, dataset: string): HTMLElement {
    const { card, body } = this.card('Text samples');
    const err = new InlineError(body);
    const view: TextSamplesView = new TextSamplesView(body, {
      prompt: dataset === 'char_lm' ? 'the ' : 'the',
      onSample: (r: SampleRequest) => {
        void this.client.call('sample', r).then(
          (out) => {
            err.show('');
            view.update({ ...(out as { text: string }), temperature: r.temperature, prompt: r.prompt } as Parameters<TextSamplesView['update']>[0]);
          },
          (e) => err.show(describeError(engineErrorOf(e))),
        );
      },
    });
    const t = this.temperature();
    if (typeof t === 'number' && Number.isFinite(t) && t > 0) {
      const slider = body.querySelector<HTMLInputElement>('#sample-temperature');
      if (slider) {
        slider.value = String(t);
        slider.dispatchEvent(new Event('input'));
      }
    }
    if (!features.sample) err.show('Sampling needs a newer engine build (session.sample).');
    else {
      const run = body.querySelector<HTMLButtonElement>('#sample-run');
      this.sampleNow = () => run?.click();
      // a first sample straight away, so the panel shows what an untrained model writes
      queueMicrotask(() => this.sampleNow?.());
    }
    this.views.push(view);
    return card;
  }
}
