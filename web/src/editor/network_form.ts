// The network as a form: one card per layer (type, fields with their defaults, output
// shape, parameter count and the formula behind it, problems in plain words beside the
// field they are about), buttons and Alt+Up/Alt+Down to reorder, and an "add layer" bar.
// It renders a spec object and reports edits as new spec objects (spec_form.ts does the
// editing); it never parses text and never sets innerHTML.

import type { LayerSummary, SpecIssue, Validation } from '../engine/types';
import type { JsonValue } from './json_pointer_map';
import { parsePointer } from './json_pointer_map';
import {
  LAYER_TYPES,
  addLayer,
  moveLayer,
  removeLayer,
  setLayerField,
  setLayerType,
  setModelField,
  specToForm,
  type EditOptions,
  type FieldState,
  type JsonObject,
  type LayerForm,
  type ModelForm,
} from './spec_form';

export interface NetworkFormOptions {
  /** A new spec from an edit in the form; `focus` names the control to focus after it. */
  onEdit(spec: JsonObject): void;
  /** "Go back to the last valid spec". */
  onRevert(): void;
}

export interface FormView {
  /** The spec whose model is shown. */
  spec: JsonObject;
  /** The validator's answer for `spec`; null while it is being checked. */
  validation: Validation | null;
  /** Set when the JSON text has a problem the form cannot show (a syntax error): the
   *  form then shows the last valid spec, read-only, with this explanation. */
  broken: string | null;
  /** Whether a last valid spec exists to go back to. */
  canRevert: boolean;
}

type Child = Node | string | null | undefined | false;

function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') e.className = v;
    else e.setAttribute(k, v);
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) e.append(typeof c === 'string' ? document.createTextNode(c) : c);
  return e;
}

export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

/** A pointer in words: "/model/layers/1/out" -> "layer 2 › out". */
export function describePointer(pointer: string): string {
  let tokens: string[];
  try {
    tokens = parsePointer(pointer);
  } catch {
    return pointer;
  }
  if (tokens.length === 0) return 'the spec';
  const words: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    const next = tokens[i + 1];
    if (t === 'layers' && next !== undefined && /^\d+$/.test(next)) {
      words.push(`${words.length && tokens[i - 1] !== 'model' ? 'inner ' : ''}layer ${Number(next) + 1}`);
      i++;
    } else {
      words.push(t);
    }
  }
  return words.join(' › ');
}

const under = (pointer: string, prefix: string): boolean => pointer === prefix || pointer.startsWith(prefix + '/');

/** Hands each issue to the first place that claims it. */
class IssueRouter {
  private readonly left: SpecIssue[];
  constructor(issues: readonly SpecIssue[]) {
    this.left = [...issues];
  }
  take(match: (pointer: string) => boolean): SpecIssue[] {
    const out: SpecIssue[] = [];
    for (let i = 0; i < this.left.length; ) {
      if (match(this.left[i]!.pointer)) out.push(...this.left.splice(i, 1));
      else i++;
    }
    return out;
  }
  rest(): SpecIssue[] {
    return this.left.splice(0);
  }
}

export class NetworkForm {
  readonly element: HTMLElement;
  private view: FormView | null = null;
  private readonly idPrefix: string;
  private ids = 0;
  private pendingFocus: string | null = null;

  constructor(
    host: HTMLElement,
    private readonly options: NetworkFormOptions,
  ) {
    this.idPrefix = `gl-nf-${Math.random().toString(36).slice(2, 8)}`;
    this.element = el('div', { class: 'gl-form' });
    host.append(this.element);
  }

  render(view: FormView): void {
    const active = document.activeElement;
    const focusKey = this.pendingFocus ?? (active instanceof HTMLElement && this.element.contains(active) ? (active.dataset['focus'] ?? null) : null);
    this.pendingFocus = null;
    const scroll = this.element.scrollTop;
    this.view = view;
    this.ids = 0;
    this.element.replaceChildren(...this.build(view));
    this.element.scrollTop = scroll;
    if (focusKey) {
      const target = [...this.element.querySelectorAll<HTMLElement>('[data-focus]')].find((e) => e.dataset['focus'] === focusKey);
      target?.focus();
    }
  }

  dispose(): void {
    this.element.remove();
  }

  // ------------------------------------------------------------------------------------

  private id(): string {
    return `${this.idPrefix}-${++this.ids}`;
  }

  private editOptions(): EditOptions {
    const shape = this.view?.validation?.input_shape;
    return { inputWidth: shape && shape.length ? shape[shape.length - 1]! : null };
  }

  private edit(make: (spec: JsonObject, o: EditOptions) => JsonObject, focus?: string): void {
    if (!this.view || this.view.broken) return;
    let next: JsonObject;
    try {
      next = make(this.view.spec, this.editOptions());
    } catch {
      return; // a spec the form cannot edit (its layers are not a list): the JSON view can
    }
    if (focus) this.pendingFocus = focus;
    this.options.onEdit(next);
  }

  private build(view: FormView): Node[] {
    const out: Node[] = [];
    const v = view.validation;
    if (view.broken) {
      out.push(
        el(
          'div',
          { class: 'gl-banner gl-banner-error', role: 'status' },
          el('p', {}, el('strong', {}, 'The JSON is not readable: '), view.broken),
          el('p', {}, 'The form shows the last valid model and is read-only until the JSON is fixed.'),
          view.canRevert ? this.button('Discard the JSON edits', 'Discard the JSON edits: go back to the last valid spec', 'revert', () => this.options.onRevert()) : null,
        ),
      );
    } else if (v && !v.ok) {
      const n = v.issues.length;
      out.push(
        el(
          'div',
          { class: 'gl-banner gl-banner-warn', role: 'status' },
          el('p', {}, el('strong', {}, n === 1 ? '1 problem. ' : `${n} problems. `), 'Each is shown next to the field it is about. Until they are fixed, the playground keeps the last valid spec.'),
          view.canRevert ? this.button('Undo all changes since the last valid spec', 'Undo all changes since the last valid spec', 'revert', () => this.options.onRevert()) : null,
        ),
      );
    }
    const read = specToForm(view.spec);
    if (!read.ok) {
      out.push(el('p', { class: 'gl-note' }, `The form cannot show this spec (${read.reason}); edit it in the JSON view.`));
      return out;
    }
    const form = read.form;
    const issues = new IssueRouter(view.broken ? [] : (v?.issues ?? []));
    const fieldset = el('fieldset', { class: 'gl-form-body' });
    fieldset.disabled = view.broken !== null;
    fieldset.append(el('legend', { class: 'gl-visually-hidden' }, 'Network'));
    out.push(fieldset);

    const modelBox = el('div', { class: 'gl-model' });
    fieldset.append(modelBox);
    if (form.kind === 'sequential') {
      modelBox.append(
        el('p', { class: 'gl-kind' }, el('strong', {}, 'Sequential model. '), 'The layers run in order, top to bottom (like nn.Sequential in PyTorch).'),
        el('p', { class: 'gl-input-shape', 'data-input-shape': v?.input_shape ? JSON.stringify(v.input_shape) : '' }, 'Input shape: ', el('code', {}, v?.input_shape ? formatShape(v.input_shape) : v ? 'unknown' : 'checking…'), v?.input_shape ? ' (the first number is the batch)' : ''),
      );
      if (form.fields.length) fieldset.append(this.fieldGrid(form.fields, issues, (f, value) => this.edit((s) => setModelField(s, f.def.path, value), `f:${f.pointer}`)));
      fieldset.append(el('p', { class: 'gl-tip', id: `${this.idPrefix}-tip` }, 'Keyboard: Alt+↑ and Alt+↓ move the layer you are in; Tab reaches every field.'));
      fieldset.append(this.layerList(form.layers, [], v, issues, form));
      fieldset.append(this.addBar([], form.layers));
    } else if (form.kind === 'seq2seq' || form.kind === 'gan') {
      modelBox.append(
        el(
          'p',
          { class: 'gl-kind' },
          el('strong', {}, form.kind === 'gan' ? 'GAN. ' : 'Encoder-decoder with attention (seq2seq). '),
          form.kind === 'gan'
            ? 'A generator MLP turns noise into 2-D points; a discriminator (critic) MLP tells them from the data. Its parts are set by these fields, not by a layer list.'
            : 'An embedding and a recurrent encoder read the source; a decoder attends over the encoder’s outputs at every step. Its parts are set by these fields, not by a layer list.',
        ),
      );
    } else {
      modelBox.append(el('p', { class: 'gl-note' }, `This model kind (${form.kind}) has no form: edit it in the JSON view. The kinds are sequential, seq2seq, gan and diffusion.`));
    }
    if (form.kind !== 'sequential' && form.fields.length) fieldset.append(this.fieldGrid(form.fields, issues, (f, value) => this.edit((s) => setModelField(s, f.def.path, value), `f:${f.pointer}`)));
    const notes: Child[] = [];
    if (form.pinned.length) notes.push(el('p', { class: 'gl-note' }, `Pinned parameter values: ${form.pinned.join(', ')}. Edit them in the JSON view (model › parameters).`));
    if (form.kind === 'gan') notes.push(el('p', { class: 'gl-note' }, 'Optimizer betas and weight decay: edit them in the JSON view (model › generator_optimizer, model › discriminator_optimizer).'));
    const others = form.otherKeys.filter((k) => k !== 'parameters');
    if (others.length) notes.push(el('p', { class: 'gl-note' }, `Also in the model, edited in the JSON view: ${others.join(', ')}.`));
    fieldset.append(...notes.filter((n): n is Node => n instanceof Node));

    const total = el('p', { class: 'gl-total', 'data-total': v ? String(v.total_parameters) : '' });
    if (v && (v.ok || v.total_parameters > 0)) total.append(el('strong', {}, 'Total: '), `${formatCount(v.total_parameters)} trainable parameters`);
    else if (v) total.append('Total: not known until the problems are fixed.');
    else total.append('Total: checking…');
    fieldset.append(total);

    const modelIssues = issues.take((p) => under(p, '/model'));
    if (modelIssues.length) fieldset.append(this.issueList(modelIssues, 'Problems with the model', true));
    const rest = issues.rest();
    if (rest.length) out.push(this.issueList(rest, 'Problems elsewhere in the spec (fix them in the JSON view)', true));
    return out;
  }

  private button(text: string, label: string, focus: string, onClick: () => void, extra: Record<string, string> = {}): HTMLButtonElement {
    const b = el('button', { type: 'button', 'aria-label': label, title: label, 'data-focus': focus, ...extra }, text);
    b.addEventListener('click', onClick);
    return b;
  }

  private issueList(issues: readonly SpecIssue[], title: string, withWhere: boolean): HTMLElement {
    return el(
      'div',
      { class: 'gl-issue-box' },
      el('p', { class: 'gl-issue-title' }, title),
      el('ul', { class: 'gl-issues' }, ...issues.map((i) => this.issueItem(i, withWhere))),
    );
  }

  /** An issue in words; `base` (a layer's pointer) is left out of the place it names. */
  private issueItem(issue: SpecIssue, withWhere: boolean, base = ''): HTMLElement {
    const rel = base && issue.pointer.startsWith(base + '/') ? issue.pointer.slice(base.length + 1).split('/').map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~')).join(' › ') : describePointer(issue.pointer);
    return el('li', { class: 'gl-error', 'data-pointer': issue.pointer }, withWhere ? el('span', { class: 'gl-where' }, `${rel}: `) : null, issue.message);
  }

  private layerList(layers: readonly LayerForm[], parent: number[], v: Validation | null, issues: IssueRouter, form: ModelForm): HTMLElement {
    const summaries = new Map<string, LayerSummary>((v?.layers ?? []).map((s) => [s.pointer, s]));
    const list = el('ol', { class: 'gl-layers', 'aria-label': parent.length ? `Inner layers of layer ${parent.map((i) => i + 1).join('.')}` : 'Layers' });
    if (!parent.length) list.setAttribute('aria-describedby', `${this.idPrefix}-tip`);
    layers.forEach((layer, i) => list.append(this.layerCard(layer, i, layers.length, v, summaries, issues, form)));
    if (!layers.length) list.append(el('li', { class: 'gl-note' }, 'No layers yet: add one below.'));
    return list;
  }

  private layerCard(layer: LayerForm, index: number, count: number, v: Validation | null, summaries: Map<string, LayerSummary>, issues: IssueRouter, form: ModelForm): HTMLElement {
    const path = layer.path;
    const p = layer.pointer;
    const number = path.map((i) => i + 1).join('.');
    const typeName = typeof layer.type === 'string' ? layer.type : 'layer';
    const card = el('li', { class: 'gl-layer', 'data-pointer': p, 'data-type': typeName });
    const pointerAfterMove = (to: number): string => p.replace(/\d+$/, String(to));
    card.addEventListener('keydown', (e) => {
      if (!e.altKey || (e.key !== 'ArrowUp' && e.key !== 'ArrowDown')) return;
      if (e.target instanceof HTMLElement && e.target.closest('.gl-layer') !== card) return; // an inner layer's card handles it
      e.preventDefault();
      e.stopPropagation();
      const to = index + (e.key === 'ArrowUp' ? -1 : 1);
      if (to < 0 || to >= count) return;
      const focused = document.activeElement instanceof HTMLElement ? (document.activeElement.dataset['focus'] ?? '') : '';
      this.edit((s, o) => moveLayer(s, path, to, o), focused.replace(p, pointerAfterMove(to)) || `type:${pointerAfterMove(to)}`);
    });

    // Head: number, type, what it does, move and remove.
    const typeId = this.id();
    const select = el('select', { id: typeId, 'data-focus': `type:${p}` });
    const groups = new Map<string, HTMLOptGroupElement>();
    const groupNames: Record<string, string> = { dense: 'dense', activation: 'activations', recurrent: 'recurrent', sequence: 'sequences and tokens', attention: 'attention (Transformer)', conv: 'images', regularise: 'normalise and regularise', block: 'blocks' };
    for (const t of LAYER_TYPES) {
      let g = groups.get(t.group);
      if (!g) {
        g = el('optgroup', { label: groupNames[t.group] ?? t.group });
        groups.set(t.group, g);
        select.append(g);
      }
      g.append(el('option', { value: t.type }, t.type));
    }
    if (!layer.def) select.prepend(el('option', { value: '' }, `unknown: ${JSON.stringify(layer.type ?? null)}`));
    select.value = layer.def ? typeName : '';
    select.addEventListener('change', () => {
      if (select.value) this.edit((s, o) => setLayerType(s, path, select.value, o), `type:${p}`);
    });
    const tools = el(
      'span',
      { class: 'gl-layer-tools' },
      this.button('↑', `Move layer ${number} (${typeName}) up`, `up:${p}`, () => this.edit((s, o) => moveLayer(s, path, index - 1, o), index - 1 > 0 ? `up:${pointerAfterMove(index - 1)}` : `down:${pointerAfterMove(index - 1)}`), index === 0 ? { disabled: '' } : {}),
      this.button('↓', `Move layer ${number} (${typeName}) down`, `down:${p}`, () => this.edit((s, o) => moveLayer(s, path, index + 1, o), index + 1 < count - 1 ? `down:${pointerAfterMove(index + 1)}` : `up:${pointerAfterMove(index + 1)}`), index === count - 1 ? { disabled: '' } : {}),
      this.button('✕', `Remove layer ${number} (${typeName})`, `remove:${p}`, () => this.edit((s, o) => removeLayer(s, path, o), count > 1 ? `remove:${pointerAfterMove(Math.min(index, count - 2))}` : 'add-type:'), { class: 'gl-remove' }),
    );
    card.append(
      el(
        'div',
        { class: 'gl-layer-head' },
        el('span', { class: 'gl-layer-index', 'aria-hidden': 'true' }, number),
        el('label', { for: typeId, class: 'gl-visually-hidden' }, `Type of layer ${number}`),
        select,
        el('span', { class: 'gl-layer-what' }, layer.def?.summary ?? 'not a layer type gradlab knows'),
        tools,
      ),
    );

    // Output shape and parameters, from the validator.
    const s = summaries.get(p);
    const shape = el('p', { class: 'gl-layer-shape', 'data-output': s ? JSON.stringify(s.output) : '', 'data-parameters': s ? String(s.parameters) : '' });
    if (s) {
      shape.append('output ', el('code', {}, formatShape(s.output)), ' · ');
      if (s.parameters > 0) shape.append(el('strong', {}, `${formatCount(s.parameters)} parameters`), ' = ', el('code', { class: 'gl-formula' }, s.formula));
      else shape.append(s.formula === 'no parameters' || !s.formula ? 'no parameters' : s.formula);
    } else if (!v) shape.append('checking…');
    else shape.append(el('span', { class: 'gl-muted' }, v.ok ? 'no shape reported' : 'output shape not known until the problems are fixed'));
    card.append(shape);

    // Fields.
    if (layer.fields.length) card.append(this.fieldGrid(layer.fields, issues, (f, value) => this.edit((sp, o) => setLayerField(sp, path, f.def.path[0]!, value, o), `f:${f.pointer}`), number));
    if (layer.body) {
      card.append(this.layerList(layer.body, path, v, issues, form));
      card.append(this.addBar(path, layer.body));
    }
    if (layer.otherKeys.length)
      card.append(el('p', { class: 'gl-note' }, `Also in this layer, edited in the JSON view: ${layer.otherKeys.join(', ')}.`));
    const own = issues.take((q) => under(q, p) && !(layer.body && q.startsWith(`${p}/layers/`)));
    if (own.length) {
      card.classList.add('gl-has-error');
      card.append(el('ul', { class: 'gl-issues' }, ...own.map((i) => this.issueItem(i, i.pointer !== p, p))));
    }
    return card;
  }

  private fieldGrid(fields: readonly FieldState[], issues: IssueRouter, set: (f: FieldState, value: JsonValue | undefined) => void, layerNumber?: string): HTMLElement {
    const grid = el('div', { class: 'gl-fields' });
    for (const f of fields) grid.append(this.fieldRow(f, issues.take((q) => under(q, f.pointer)), set, layerNumber));
    return grid;
  }

  private fieldRow(f: FieldState, issues: SpecIssue[], set: (f: FieldState, value: JsonValue | undefined) => void, layerNumber?: string): HTMLElement {
    const d = f.def;
    const id = this.id();
    const hintId = this.id();
    const errId = this.id();
    const required = d.default === undefined && d.defaultText === undefined;
    const defaultWords = d.defaultText ?? (d.default === undefined ? '' : Array.isArray(d.default) ? d.default.join(', ') : String(d.default));
    const hint = required ? 'required' : d.default === 'default' ? '' : `default: ${defaultWords}`;
    const row = el('div', { class: 'gl-field', 'data-pointer': f.pointer });
    const describedBy = [hintId, ...(issues.length ? [errId] : [])].join(' ');
    const common = { id, 'data-focus': `f:${f.pointer}`, 'aria-describedby': describedBy, ...(issues.length ? { 'aria-invalid': 'true' } : {}) };
    const label = el('label', { for: id }, d.label);
    if (layerNumber) label.append(el('span', { class: 'gl-visually-hidden' }, ` (layer ${layerNumber})`));
    let control: HTMLElement;
    let localError: HTMLElement | null = null;
    const value = f.value;
    if (d.kind === 'bool') {
      const box = el('input', { ...common, type: 'checkbox' });
      box.checked = typeof value === 'boolean' ? value : d.default === true;
      box.addEventListener('change', () => set(f, box.checked));
      control = box;
    } else if (d.kind === 'enum') {
      const sel = el('select', common);
      // A constant default that is one of the options is simply selected when the field is
      // absent; only a default that depends on other fields gets its own "default" entry.
      const constantDefault = typeof d.default === 'string' && (d.options ?? []).includes(d.default);
      if (!required && !constantDefault) sel.append(el('option', { value: '' }, `default (${defaultWords})`));
      for (const o of d.options ?? []) sel.append(el('option', { value: o }, o === d.default && o !== 'default' ? `${o} (default)` : o));
      if (typeof value === 'string' && !(d.options ?? []).includes(value)) sel.append(el('option', { value }, `${value} (not allowed)`));
      sel.value = value === undefined ? (constantDefault ? (d.default as string) : '') : typeof value === 'string' ? value : '';
      sel.addEventListener('change', () => set(f, sel.value === '' || (value === undefined && sel.value === d.default) ? undefined : sel.value));
      control = sel;
    } else if (d.kind === 'widths') {
      const input = el('input', { ...common, type: 'text', inputmode: 'numeric', placeholder: defaultWords, autocomplete: 'off' });
      input.value = Array.isArray(value) ? value.join(', ') : value === undefined ? '' : JSON.stringify(value);
      localError = el('p', { class: 'gl-error', id: errId, hidden: '' });
      const err = localError;
      input.addEventListener('change', () => {
        const t = input.value.trim();
        if (t === '') return set(f, undefined);
        if (!/^\d+(\s*[,\s]\s*\d+)*$/.test(t)) {
          err.hidden = false;
          err.textContent = 'Write the widths as whole numbers separated by commas, like 64, 64.';
          input.setAttribute('aria-invalid', 'true');
          input.setAttribute('aria-describedby', `${hintId} ${errId}`);
          return;
        }
        set(f, t.split(/[\s,]+/).map(Number));
      });
      control = input;
    } else {
      const input = el('input', { ...common, type: 'number', autocomplete: 'off', step: d.kind === 'int' ? '1' : 'any' });
      if (d.min !== undefined) input.min = String(d.min);
      if (d.max !== undefined) input.max = String(d.max);
      if (!required) input.placeholder = defaultWords;
      if (typeof value === 'number') input.value = String(value);
      input.addEventListener('change', () => {
        if (input.value === '') {
          // An empty optional field means "the default"; typing something that is not a
          // number leaves the spec as it is (the browser reports the input as bad).
          if (!input.validity.badInput) set(f, undefined);
          return;
        }
        set(f, Number(input.value));
      });
      control = input;
    }
    row.append(label, control, el('span', { class: 'gl-hint', id: hintId }, [hint, d.help].filter(Boolean).join(' · ')));
    if (value !== undefined && d.kind !== 'enum' && d.kind !== 'bool' && d.kind !== 'widths' && typeof value !== 'number')
      row.append(el('p', { class: 'gl-note' }, `The JSON has ${JSON.stringify(value)} here.`));
    if (issues.length) {
      row.classList.add('gl-has-error');
      row.append(el('p', { class: 'gl-error', id: errId }, ...issues.map((i, n) => `${n ? ' ' : ''}${i.pointer === f.pointer ? '' : `${describePointer(i.pointer)}: `}${i.message}`)));
    } else if (localError) row.append(localError);
    return row;
  }

  private addBar(parent: number[], layers: readonly LayerForm[]): HTMLElement {
    const key = parent.join('.');
    const typeId = this.id();
    const posId = this.id();
    const type = el('select', { id: typeId, 'data-focus': `add-type:${key}` });
    for (const t of LAYER_TYPES) type.append(el('option', { value: t.type }, `${t.type} — ${t.summary}`));
    type.value = 'linear';
    const pos = el('select', { id: posId, 'data-focus': `add-pos:${key}` });
    pos.append(el('option', { value: String(layers.length) }, 'at the end'));
    for (let i = layers.length - 2; i >= 0; i--) pos.append(el('option', { value: String(i + 1) }, `after layer ${[...parent, i].map((x) => x + 1).join('.')}`));
    if (layers.length) pos.append(el('option', { value: '0' }, 'at the start'));
    const where = parent.length ? `inside layer ${parent.map((i) => i + 1).join('.')}` : '';
    const add = this.button('Add layer', `Add layer ${where}`.trim(), `add:${key}`, () => {
      const at = Number(pos.value);
      const pointer = `/model/layers/${[...parent, at].join('/layers/')}`;
      this.edit((s, o) => addLayer(s, parent, at, type.value, o), `type:${pointer}`);
    });
    add.classList.add('gl-add-button');
    return el(
      'div',
      { class: 'gl-add' },
      el('label', { for: typeId }, parent.length ? `Add a layer ${where}:` : 'Add a layer:'),
      type,
      el('label', { for: posId, class: 'gl-visually-hidden' }, `Where to add it ${where}`),
      pos,
      add,
    );
  }
}

