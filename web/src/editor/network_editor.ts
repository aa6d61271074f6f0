// The network editor: the form (network_form.ts) and the JSON text (json_editor.ts) side
// by side, tabs when the editor is narrow. Both edit one spec text; the core's validator
// checks every version, and only a spec that validated ok reaches onChange. While the
// JSON cannot be read, the form shows the last valid model (read-only), so an edit in
// progress never loses the network.

import './editor.css';
import type { Validation } from '../engine/types';
import { JsonEditor, type JsonCheck } from './json_editor';
import { replaceAt, formatDocument } from './json_format';
import { nodeValue, parseJsonWithPositions } from './json_pointer_map';
import { NetworkForm } from './network_form';
import { isObject, specToForm, type JsonObject } from './spec_form';

export interface NetworkEditorOptions {
  /** The core's validator (gradlab.validate through the worker). */
  validate(specText: string): Promise<Validation>;
  /** A new spec made in the editor that validated ok (not called for setSpec's text). */
  onChange(specText: string, validation: Validation): void;
}

type Pane = 'form' | 'json';

export class NetworkEditor {
  readonly element: HTMLElement;
  private readonly form: NetworkForm;
  private readonly json: JsonEditor;
  private readonly tabs: Record<Pane, HTMLButtonElement>;
  private readonly panes: Record<Pane, HTMLElement>;
  private lastValid: { text: string; spec: JsonObject; validation: Validation } | null = null;
  /** The text setSpec gave: validating it does not call onChange. */
  private hostText: string | null = null;

  constructor(
    host: HTMLElement,
    private readonly options: NetworkEditorOptions,
  ) {
    const uid = `gl-ne-${Math.random().toString(36).slice(2, 8)}`;
    this.element = document.createElement('div');
    this.element.className = 'gl-editor';
    this.element.dataset['view'] = 'editor';

    const tablist = document.createElement('div');
    tablist.className = 'gl-editor-tabs';
    tablist.setAttribute('role', 'tablist');
    tablist.setAttribute('aria-label', 'Network editor views');
    const panesBox = document.createElement('div');
    panesBox.className = 'gl-editor-panes';
    const makePane = (pane: Pane, title: string): [HTMLButtonElement, HTMLElement] => {
      const tab = document.createElement('button');
      tab.type = 'button';
      tab.id = `${uid}-tab-${pane}`;
      tab.setAttribute('role', 'tab');
      tab.setAttribute('aria-controls', `${uid}-pane-${pane}`);
      tab.textContent = title;
      tab.addEventListener('click', () => this.showPane(pane));
      tab.addEventListener('keydown', (e) => {
        if (e.key === 'ArrowLeft' || e.key === 'ArrowRight') {
          e.preventDefault();
          const other: Pane = pane === 'form' ? 'json' : 'form';
          this.showPane(other);
          this.tabs[other].focus();
        }
      });
      const section = document.createElement('section');
      section.id = `${uid}-pane-${pane}`;
      section.className = `gl-editor-pane gl-editor-pane-${pane}`;
      section.setAttribute('role', 'tabpanel');
      section.setAttribute('aria-labelledby', `${uid}-heading-${pane}`);
      const heading = document.createElement('h3');
      heading.id = `${uid}-heading-${pane}`;
      heading.className = 'gl-editor-heading';
      heading.textContent = title;
      section.append(heading);
      tablist.append(tab);
      panesBox.append(section);
      return [tab, section];
    };
    const [formTab, formPane] = makePane('form', 'Network');
    const [jsonTab, jsonPane] = makePane('json', 'Spec JSON');
    this.tabs = { form: formTab, json: jsonTab };
    this.panes = { form: formPane, json: jsonPane };
    this.element.append(tablist, panesBox);
    host.append(this.element);

    this.form = new NetworkForm(formPane, {
      onEdit: (spec) => this.formEdited(spec),
      onRevert: () => this.revert(),
    });
    this.json = new JsonEditor(jsonPane, {
      validate: (text) => this.options.validate(text),
      onChecked: (text, check) => this.checked(text, check),
      label: 'Experiment spec (JSON)',
    });
    this.showPane('form');
  }

  /** Shows a spec (the text as given; the JSON view keeps its formatting). */
  setSpec(specText: string): void {
    this.hostText = specText;
    void this.json.setText(specText);
  }

  /** The last spec text that validated ok ("" before any did). */
  get lastValidSpec(): string {
    return this.lastValid?.text ?? '';
  }

  dispose(): void {
    this.json.dispose();
    this.form.dispose();
    this.element.remove();
  }

  private showPane(pane: Pane): void {
    for (const p of ['form', 'json'] as const) {
      const on = p === pane;
      this.tabs[p].setAttribute('aria-selected', String(on));
      this.tabs[p].tabIndex = on ? 0 : -1;
      this.panes[p].dataset['active'] = String(on);
    }
    if (pane === 'json') this.json.refresh();
  }

  private checked(text: string, check: JsonCheck): void {
    if (check.kind === 'syntax') {
      const e = check.error;
      this.showLastValid(`${e.message} (line ${e.line}, column ${e.column}).`);
      return;
    }
    const spec = nodeValue(check.root);
    const read = specToForm(spec);
    if (!isObject(spec) || !read.ok) {
      this.showLastValid(read.ok ? 'the spec is not a JSON object.' : `${read.reason}.`);
      return;
    }
    const validation: Validation =
      check.kind === 'validated'
        ? check.validation
        : { ok: false, issues: [{ pointer: '', message: `the spec could not be checked: ${check.message}` }], layers: [], input_shape: null, total_parameters: 0 };
    if (validation.ok) {
      const changed = this.lastValid?.text !== text;
      this.lastValid = { text, spec, validation };
      if (changed && text !== this.hostText) this.options.onChange(text, validation);
    }
    if (text !== this.hostText) this.hostText = null; // the host's text was edited away from
    this.form.render({ spec, validation, broken: null, canRevert: this.lastValid !== null && this.lastValid.text !== text });
  }

  private showLastValid(reason: string): void {
    const last = this.lastValid;
    this.form.render({
      spec: last?.spec ?? { model: { layers: [] } },
      validation: last?.validation ?? null,
      broken: reason,
      canRevert: last !== null,
    });
  }

  private formEdited(spec: JsonObject): void {
    // Edit the model in the text as it is now (the JSON view may have newer keystrokes
    // than the last check), keeping the rest of the user's formatting.
    const current = this.json.text;
    const parsed = parseJsonWithPositions(current);
    const model = spec['model'] ?? null;
    const text = (parsed.ok && replaceAt(current, '/model', model)) || formatDocument(spec);
    // Show the edit at once; shapes and counts follow when the validator answers.
    this.form.render({ spec, validation: null, broken: null, canRevert: this.lastValid !== null });
    void this.json.setText(text);
  }

  private revert(): void {
    if (this.lastValid) void this.json.setText(this.lastValid.text);
  }
}
