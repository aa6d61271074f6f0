// The spec as JSON text in CodeMirror 6, checked by the core's validator: syntax errors
// are found here (with their place), every other problem comes from `validate` and is
// shown inline at its JSON pointer's range. Edits are checked 200 ms after typing stops;
// results for text that has changed since are dropped.

import { defaultKeymap, history, historyKeymap } from '@codemirror/commands';
import { json } from '@codemirror/lang-json';
import { bracketMatching, defaultHighlightStyle, foldGutter, foldKeymap, indentOnInput, syntaxHighlighting } from '@codemirror/language';
import { lintGutter, lintKeymap, setDiagnostics, type Diagnostic } from '@codemirror/lint';
import { Annotation, EditorState, type Extension } from '@codemirror/state';
import { EditorView, drawSelection, highlightActiveLine, highlightActiveLineGutter, highlightSpecialChars, keymap, lineNumbers } from '@codemirror/view';
import type { SpecIssue, Validation } from '../engine/types';
import { parseJsonWithPositions, pointerRange, type JsonNode, type JsonSyntaxError } from './json_pointer_map';

/** What checking a text gave. */
export type JsonCheck =
  | { kind: 'syntax'; error: JsonSyntaxError }
  | { kind: 'validated'; root: JsonNode; validation: Validation }
  | { kind: 'failed'; root: JsonNode; message: string }; // validate itself threw

export interface JsonEditorOptions {
  validate(specText: string): Promise<Validation>;
  /** Called with each check's result for the text now in the editor. */
  onChecked(text: string, check: JsonCheck): void;
  debounceMs?: number;
  label?: string;
}

const programmatic = Annotation.define<boolean>();

// What codemirror's basicSetup gives, from the packages the app depends on directly (the
// installed `codemirror` package is the legacy 5.x line, without basicSetup). Tab is left
// to move focus, so the editor is no keyboard trap (Ctrl-] / Ctrl-[ indent).
const setup: Extension = [
  lineNumbers(),
  highlightActiveLineGutter(),
  highlightSpecialChars(),
  history(),
  foldGutter(),
  drawSelection(),
  indentOnInput(),
  syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
  bracketMatching(),
  highlightActiveLine(),
  keymap.of([...defaultKeymap, ...historyKeymap, ...foldKeymap, ...lintKeymap]),
];

// Sizes, fonts and colours (from the page's theme variables, which cross the shadow root).
const editorTheme = EditorView.theme({
  '&': { maxHeight: '74vh', fontSize: '13px', color: 'var(--fg, #1b1d21)', backgroundColor: 'var(--bg, #fff)' },
  '.cm-scroller': { fontFamily: "ui-monospace, 'DejaVu Sans Mono', monospace" },
  '.cm-gutters': { backgroundColor: 'var(--panel, #f3f4f6)', color: 'var(--muted, #5f6368)', borderRight: '1px solid var(--grid, #ddd)' },
  '.cm-activeLine, .cm-activeLineGutter': { backgroundColor: 'color-mix(in srgb, var(--accent, #0072b2) 8%, transparent)' },
  '&.cm-focused .cm-cursor': { borderLeftColor: 'var(--fg, #1b1d21)' },
});

/** Diagnostics for a validator's issues, each at its pointer's place in the text. */
export function issueDiagnostics(root: JsonNode, issues: readonly SpecIssue[], severity: 'error' | 'warning' = 'error'): Diagnostic[] {
  return issues.map((issue) => {
    const r = pointerRange(root, issue.pointer);
    // A missing field is shown on its parent: say which field the message is about.
    const where = issue.pointer === '' ? '' : r.target === 'value' ? '' : `${issue.pointer}: `;
    return { from: r.from, to: Math.max(r.to, r.from + 1), severity, message: where + issue.message, source: issue.pointer || '/' };
  });
}

export class JsonEditor {
  readonly element: HTMLElement;
  private readonly view: EditorView;
  private readonly status: HTMLElement;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private generation = 0;
  private disposed = false;

  constructor(
    host: HTMLElement,
    private readonly options: JsonEditorOptions,
  ) {
    this.element = document.createElement('div');
    this.element.className = 'gl-json';
    const box = document.createElement('div');
    box.className = 'gl-json-box';
    this.status = document.createElement('p');
    this.status.className = 'gl-json-status';
    this.status.setAttribute('role', 'status');
    this.status.setAttribute('aria-live', 'polite');
    this.element.append(box, this.status);
    host.append(this.element);
    // CodeMirror lives in a shadow root: there its styles are constructable stylesheets
    // (adoptedStyleSheets), where in the document they would be <style> elements, which a
    // strict Content-Security-Policy (style-src 'self') blocks. Page colours reach it
    // through the inherited custom properties.
    const shadow = box.attachShadow({ mode: 'open' });
    this.view = new EditorView({
      root: shadow,
      parent: shadow,
      state: EditorState.create({
        doc: '',
        extensions: [
          setup,
          json(),
          lintGutter(),
          EditorView.lineWrapping,
          editorTheme,
          EditorView.contentAttributes.of({ 'aria-label': options.label ?? 'Experiment spec (JSON)' }),
          EditorView.updateListener.of((u) => {
            if (u.docChanged && !u.transactions.some((t) => t.annotation(programmatic))) this.schedule();
          }),
        ],
      }),
    });
  }

  get text(): string {
    return this.view.state.doc.toString();
  }

  /** Replaces the text (not as a user edit: no debounce) and checks it at once. */
  setText(text: string): Promise<void> {
    if (text !== this.text) {
      this.view.dispatch({ changes: { from: 0, to: this.view.state.doc.length, insert: text }, annotations: programmatic.of(true) });
    }
    clearTimeout(this.timer);
    return this.check();
  }

  focus(): void {
    this.view.focus();
  }

  /** Refreshes CodeMirror's measurements (after the view was hidden, e.g. by a tab). */
  refresh(): void {
    this.view.requestMeasure();
  }

  dispose(): void {
    this.disposed = true;
    clearTimeout(this.timer);
    this.view.destroy();
    this.element.remove();
  }

  private schedule(): void {
    clearTimeout(this.timer);
    this.generation++; // results for the text before this edit are now stale
    this.status.textContent = 'Checking…';
    this.timer = setTimeout(() => void this.check(), this.options.debounceMs ?? 200);
  }

  private async check(): Promise<void> {
    const generation = ++this.generation;
    const text = this.text;
    const parsed = parseJsonWithPositions(text);
    let result: JsonCheck;
    if (!parsed.ok) {
      result = { kind: 'syntax', error: parsed.error };
    } else {
      try {
        result = { kind: 'validated', root: parsed.root, validation: await this.options.validate(text) };
      } catch (e) {
        result = { kind: 'failed', root: parsed.root, message: e instanceof Error ? e.message : String(e) };
      }
    }
    if (this.disposed || generation !== this.generation) return;
    this.show(result);
    this.options.onChecked(text, result);
  }

  private show(check: JsonCheck): void {
    let diagnostics: Diagnostic[];
    let summary: string;
    if (check.kind === 'syntax') {
      const e = check.error;
      const at = Math.min(e.offset, this.view.state.doc.length);
      diagnostics = [{ from: at, to: Math.min(at + 1, this.view.state.doc.length), severity: 'error', message: `JSON syntax: ${e.message}` }];
      summary = `Not valid JSON: ${e.message} (line ${e.line}, column ${e.column}).`;
    } else if (check.kind === 'failed') {
      diagnostics = [{ from: 0, to: Math.min(1, this.view.state.doc.length), severity: 'error', message: check.message }];
      summary = `The spec could not be checked: ${check.message}`;
    } else {
      const issues = check.validation.issues;
      diagnostics = issueDiagnostics(check.root, issues);
      summary = check.validation.ok
        ? 'Valid spec.'
        : issues.length === 1
          ? '1 problem (underlined; hover it or press Ctrl-Shift-M for the list).'
          : `${issues.length} problems (underlined; hover them or press Ctrl-Shift-M for the list).`;
    }
    this.view.dispatch(setDiagnostics(this.view.state, diagnostics));
    this.status.textContent = summary;
    this.status.dataset['state'] = check.kind === 'validated' && check.validation.ok ? 'ok' : 'error';
  }
}
