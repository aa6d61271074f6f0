// PredictionsView (data-view "predictions"): a few test examples of a sequence task, each as
// three aligned rows — input, target, predicted — with every wrong prediction marked (red,
// ✗). Input: the `predictions` snapshot (core/session supervised_runner.cpp and
// seq2seq_runner.cpp): {split, kind: 'classes'|'binary'|'values'|'tokens', task,
// examples: [{index, input, target, prediction, input_tokens?, target_tokens?,
// prediction_tokens?, accuracy?, correct?}]}. Tokens are shown as text (never as HTML).
// gradlabData: {split, kind, examples: [{index, rows: [{label, cells, wrong?}], mismatches, accuracy}]}.
//
//   const v = new PredictionsView(host);
//   v.update(await client.snapshot('predictions'));

import { formatNumber } from '../../viz/scales';
import { predictionsModel, type PredictionsSnapshot } from './models';
import { visible } from './attention';
import { el, setGradlabData, viewRoot } from './view';

export class PredictionsView {
  readonly root: HTMLDivElement;
  private readonly caption: HTMLParagraphElement;
  private readonly list: HTMLDivElement;

  constructor(host: HTMLElement, private readonly options: { maxExamples?: number } = {}) {
    const v = viewRoot(host, 'predictions', ' ');
    this.root = v.root;
    this.caption = v.caption;
    this.list = el('div');
    this.root.appendChild(this.list);
    setGradlabData(this.root, { examples: [] });
  }

  update(snapshot: PredictionsSnapshot): void {
    const examples = predictionsModel(snapshot).slice(0, this.options.maxExamples ?? 8);
    const split = snapshot.split === 'train' ? 'training' : 'test';
    this.caption.textContent =
      snapshot.kind === 'values'
        ? `First ${split} examples: the target and the model’s output (marked when they differ by more than 0.1).`
        : `First ${split} examples, step by step: what went in, what should come out, and what the model predicted. ✗ marks a wrong prediction.`;
    this.list.replaceChildren(
      ...examples.map((e) => {
        const box = el('div', 'gl-seq');
        for (const r of e.rows) {
          box.appendChild(el('span', 'gl-seq-label', r.label));
          const tokens = el('div', 'gl-tokens');
          r.cells.forEach((c, i) => {
            const t = el('span', 'gl-token', visible(c));
            if (r.wrong?.[i]) {
              t.classList.add('gl-wrong');
              t.title = 'wrong';
            }
            tokens.appendChild(t);
          });
          box.appendChild(tokens);
        }
        box.appendChild(el('span', 'gl-seq-label', ''));
        box.appendChild(
          el(
            'span',
            e.mismatches ? 'gl-stats gl-danger' : 'gl-stats',
            `example ${e.index}: ${e.mismatches === 0 ? 'all right' : `${e.mismatches} wrong`}${e.accuracy !== null ? ` (accuracy ${formatNumber(e.accuracy)})` : ''}`,
          ),
        );
        return box;
      }),
    );
    setGradlabData(this.root, { split: snapshot.split, kind: snapshot.kind, examples });
  }

  dispose(): void {
    this.root.remove();
  }
}
