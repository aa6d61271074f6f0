// Training settings (optimizer, learning rate, batch size, L1/L2, clipping, truncated
// BPTT, seed) built from the declarative table in state/settings.ts for the spec's kind.
// A change is parsed and checked here (plain-words error next to the field) and then
// reported; the workspace applies it live or with a reset.
import { parseSetting, settingsFor, type SettingDef, type SettingValue, type Settings } from '../state/settings';
import { clear, field, h, InlineError } from './dom';

export class SettingsPanel {
  readonly root: HTMLFormElement;
  private readonly errors = new Map<string, InlineError>();
  private readonly controls = new Map<string, HTMLInputElement | HTMLSelectElement>();
  private readonly defs = new Map<string, SettingDef>();

  constructor(host: HTMLElement, private readonly onChange: (name: string, value: SettingValue) => void) {
    this.root = h('form', { class: 'settings', 'aria-label': 'Training settings' });
    this.root.addEventListener('submit', (e) => e.preventDefault());
    host.append(this.root);
  }

  /**
   * The fields for a spec; values from the effective settings. When the spec has the same
   * fields as before (a new lesson session, a new seed), the fields stay and only their
   * values change: the field the student is in keeps the focus, the selection and the text
   * typed there and not yet committed. A lesson or a session arriving meanwhile must not
   * swallow what is being typed.
   */
  render(spec: unknown, values: Settings): void {
    const defs = settingsFor(spec);
    const shown = [...this.defs.values()];
    const same = shown.length > 0 && shown.length === defs.length && shown.every((d, i) => d === defs[i]);
    if (same) {
      for (const def of defs) {
        const c = this.controls.get(def.name)!;
        if (c === document.activeElement && c.dataset.draft !== undefined) continue;
        this.setValue(def.name, values[def.name] ?? null);
        this.errors.get(def.name)?.show('');
        c.removeAttribute('aria-invalid');
      }
      return;
    }
    clear(this.root);
    this.errors.clear();
    this.controls.clear();
    this.defs.clear();
    for (const def of defs) this.root.append(this.fieldFor(def, values[def.name] ?? null));
  }

  private fieldFor(def: SettingDef, value: SettingValue | null): HTMLElement {
    const id = `setting-${def.name}`;
    let control: HTMLInputElement | HTMLSelectElement;
    if (def.type === 'enum') {
      const select = h('select', { id });
      for (const v of def.values ?? []) select.append(h('option', { value: v, text: v }));
      select.value = value === null ? (def.values?.[0] ?? '') : String(value);
      control = select;
    } else {
      control = h('input', {
        id,
        type: 'number',
        step: def.type === 'int' ? 1 : 'any',
        min: def.min,
        max: def.max,
        value: value === null ? '' : String(value),
        placeholder: value === null ? 'default' : undefined,
        inputmode: 'decimal',
      });
    }
    this.controls.set(def.name, control);
    this.defs.set(def.name, def);
    const row = field(def.label, control, def.live ? undefined : 'changing this restarts training');
    const err = new InlineError(row);
    this.errors.set(def.name, err);
    // typed but not committed yet (render keeps it)
    control.addEventListener('input', () => (control.dataset.draft = ''));
    const commit = () => {
      delete control.dataset.draft;
      const text = control.value.trim();
      if (text === '' && def.type !== 'enum') return;
      const parsed = parseSetting(def, text);
      if ('error' in parsed) {
        err.show(parsed.error);
        control.setAttribute('aria-invalid', 'true');
        return;
      }
      err.show('');
      control.removeAttribute('aria-invalid');
      this.onChange(def.name, parsed.value);
    };
    control.addEventListener('change', commit);
    control.addEventListener('keydown', (e) => {
      if ((e as KeyboardEvent).key === 'Enter') {
        e.preventDefault();
        commit();
      }
    });
    return row;
  }

  /** Show a value the workspace went back to (a change the engine refused). */
  setValue(name: string, value: SettingValue | null): void {
    const control = this.controls.get(name);
    if (!control) return;
    delete control.dataset.draft;
    if (control instanceof HTMLSelectElement) control.value = value === null ? (control.options[0]?.value ?? '') : String(value);
    else {
      control.value = value === null ? '' : String(value);
      control.placeholder = value === null ? 'default' : '';
    }
  }

  /** Show an engine error next to the setting it concerns. */
  showError(name: string, text: string): void {
    this.errors.get(name)?.show(text);
  }
}

