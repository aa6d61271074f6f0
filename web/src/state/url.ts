// The workspace in the URL hash: `#lesson=xor&seed=1&lr=0.3&spec=<base64url JSON>`.
// Settings follow the declarative table in settings.ts; `spec` is present only when the
// network or data differ from the lesson's. Parsing never throws: problems come back as
// plain-words errors and the caller falls back to the defaults.
import { SETTINGS, defaultSettings, parseSetting, settingDef, type Settings } from './settings';

export interface HashState {
  settings: Settings;
  /** the edited experiment spec (without the lesson block), or null for the lesson's own */
  spec: unknown;
}

export interface ParsedHash {
  state: HashState;
  errors: string[];
  /** the hash was empty: nothing to restore from it */
  empty: boolean;
}

export function serializeHash(state: HashState): string {
  const parts: string[] = [];
  for (const d of SETTINGS) {
    const v = state.settings[d.name];
    if (v === null || v === undefined) continue;
    if (d.pointer === undefined && v === d.default && d.name !== 'lesson') continue;
    parts.push(`${d.name}=${encodeURIComponent(String(v))}`);
  }
  if (state.spec !== null && state.spec !== undefined) parts.push(`spec=${encodeSpec(state.spec)}`);
  return '#' + parts.join('&');
}

export function parseHash(hash: string): ParsedHash {
  const text = hash.startsWith('#') ? hash.slice(1) : hash;
  const settings = defaultSettings();
  const fallback: ParsedHash = { state: { settings: defaultSettings(), spec: null }, errors: [], empty: text.trim() === '' };
  if (fallback.empty) return fallback;
  const errors: string[] = [];
  let spec: unknown = null;
  for (const part of text.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const name = eq < 0 ? part : part.slice(0, eq);
    let value: string;
    try {
      value = eq < 0 ? '' : decodeURIComponent(part.slice(eq + 1));
    } catch {
      errors.push(`the link's "${name}" is not readable text`);
      continue;
    }
    if (name === 'spec') {
      try {
        spec = decodeSpec(value);
      } catch {
        errors.push("the link's network (spec) is damaged: it is not base64-encoded JSON");
      }
      continue;
    }
    const def = settingDef(name);
    if (!def) {
      errors.push(`the link has an unknown setting "${name}" (known: ${SETTINGS.map((d) => d.name).join(', ')}, spec)`);
      continue;
    }
    const parsed = parseSetting(def, value);
    if ('error' in parsed) errors.push(`in the link, ${parsed.error}`);
    else settings[def.name] = parsed.value;
  }
  if (errors.length > 0) return { ...fallback, errors };
  return { state: { settings, spec }, errors, empty: false };
}

export function encodeSpec(spec: unknown): string {
  const bytes = new TextEncoder().encode(JSON.stringify(spec));
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export function decodeSpec(text: string): unknown {
  const b64 = text.replace(/-/g, '+').replace(/_/g, '/');
  const bin = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
  const bytes = Uint8Array.from(bin, (c) => c.charCodeAt(0));
  const value: unknown = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('a spec is a JSON object');
  return value;
}
