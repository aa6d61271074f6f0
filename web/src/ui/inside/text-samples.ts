// TextSamplesView (data-view "text-samples"): text a language model writes, with a prompt,
// a length and a temperature slider (0 = always the most likely next token; higher = more
// random); changing the temperature or pressing "Sample" calls `onSample({prompt, length,
// temperature, seed})` (or dispatches a bubbling `gradlab-sample` event with it); show the
// result with update(). Input: `session.sample(...)` result {text, tokens, prompt_tokens}
// (core/session supervised_runner.cpp). The text is shown as text (never as HTML).
// gradlabData: {prompt, temperature, text, samples: string[]} (the latest first, up to 5).
//
//   const v = new TextSamplesView(host, {onSample: async (o) => v.update(await client.sample(o))});

import { formatNumber } from '../../viz/format';
import type { TextSample } from './models';
import { button, el, emit, labelled, setGradlabData, viewRoot } from './view';

export interface SampleRequest {
  prompt: string;
  length: number;
  temperature: number;
  seed: number;
}

export class TextSamplesView {
  readonly root: HTMLDivElement;
  private readonly prompt: HTMLInputElement;
  private readonly length: HTMLInputElement;
  private readonly temperature: HTMLInputElement;
  private readonly tempOut: HTMLOutputElement;
  private readonly list: HTMLDivElement;
  private samples: Array<{ prompt: string; temperature: number; text: string }> = [];
  private seed = 1;

  constructor(host: HTMLElement, private readonly options: { onSample?: (r: SampleRequest) => void; prompt?: string } = {}) {
    this.root = viewRoot(
      host,
      'text-samples',
      'The model writes one token at a time, each drawn from its predicted distribution. Temperature 0 always takes the most likely token; higher temperatures flatten the distribution (more surprising, more mistakes).',
    ).root;
    this.prompt = el('input');
    this.prompt.type = 'text';
    this.prompt.value = options.prompt ?? 'the ';
    this.prompt.id = 'sample-prompt';
    this.length = el('input');
    this.length.type = 'number';
    this.length.min = '1';
    this.length.max = '2000';
    this.length.value = '200';
    this.temperature = el('input');
    this.temperature.type = 'range';
    this.temperature.min = '0';
    this.temperature.max = '2';
    this.temperature.step = '0.05';
    this.temperature.value = '0.8';
    this.temperature.id = 'sample-temperature';
    this.tempOut = el('output', 'gl-readout', '0.80');
    this.temperature.addEventListener('input', () => (this.tempOut.textContent = formatNumber(Number(this.temperature.value))));
    this.temperature.addEventListener('change', () => this.request(false));
    const row = el('div', 'gl-row');
    row.append(
      labelled('Prompt', this.prompt),
      labelled('Length', this.length),
      labelled('Temperature', this.temperature),
      this.tempOut,
      button('Sample', () => this.request(true), 'sample-run'),
    );
    this.list = el('div');
    this.root.append(row, this.list);
    setGradlabData(this.root, { samples: [] });
  }

  update(sample: TextSample & { temperature?: number; prompt?: string }): void {
    const prompt = sample.prompt ?? (sample.prompt_tokens ? sample.prompt_tokens.join('') : this.prompt.value);
    const temperature = sample.temperature ?? Number(this.temperature.value);
    this.samples.unshift({ prompt, temperature, text: sample.text });
    this.samples = this.samples.slice(0, 5);
    this.list.replaceChildren(
      ...this.samples.map((s, i) => {
        const p = el('p', 'gl-samples');
        if (i > 0) p.classList.add('gl-muted');
        p.append(el('span', 'gl-prompt', s.prompt), document.createTextNode(s.text));
        const meta = el('div', 'gl-stats', `temperature ${formatNumber(s.temperature)}${i === 0 ? ' (latest)' : ''}`);
        const wrap = el('div');
        wrap.append(meta, p);
        return wrap;
      }),
    );
    setGradlabData(this.root, { prompt, temperature, text: sample.text, samples: this.samples.map((s) => s.text) });
  }

  dispose(): void {
    this.root.remove();
  }

  private request(newSeed: boolean): void {
    if (newSeed) this.seed++;
    const r: SampleRequest = {
      prompt: this.prompt.value,
      length: Math.max(1, Math.min(2000, Math.round(Number(this.length.value) || 200))),
      temperature: Number(this.temperature.value),
      seed: this.seed,
    };
    emit(this.root, 'sample', r, this.options.onSample);
  }
}
