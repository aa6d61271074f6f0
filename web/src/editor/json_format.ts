// Writing JSON the way the example specs are written (short objects and number arrays on
// one line, lists of layers one per line), and replacing one value inside a JSON text so
// that a form edit leaves the rest of the user's text (formatting, key order) as it was.
// Pure: no DOM.

import { nodeAt, parseJsonWithPositions, type JsonValue } from './json_pointer_map';

const WIDTH = 100;

function inline(v: JsonValue): string {
  if (Array.isArray(v)) return `[${v.map(inline).join(', ')}]`;
  if (v !== null && typeof v === 'object') {
    const parts = Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}: ${inline(x)}`);
    return parts.length ? `{${parts.join(', ')}}` : '{}';
  }
  return JSON.stringify(v);
}

/** Whether a value is or holds a list of several objects (layers: one per line). */
function hasListOfObjects(v: JsonValue): boolean {
  if (Array.isArray(v)) return (v.length > 1 && v.some((x) => x !== null && typeof x === 'object' && !Array.isArray(x))) || v.some(hasListOfObjects);
  return v !== null && typeof v === 'object' && Object.values(v).some(hasListOfObjects);
}

/**
 * Formats a value whose line is indented by `indent` and which starts at `column` of it:
 * a value that fits in the line width stays on one line, except lists of several objects
 * (layers), which get one item per line.
 */
export function formatJson(v: JsonValue, indent = 0, column = indent, width = WIDTH): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  const flat = inline(v);
  if (column + flat.length <= width && !hasListOfObjects(v)) return flat;
  const pad = ' '.repeat(indent + 2);
  const close = ' '.repeat(indent);
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]';
    return `[\n${v.map((x) => pad + formatJson(x, indent + 2, indent + 2, width)).join(',\n')}\n${close}]`;
  }
  const entries = Object.entries(v);
  if (entries.length === 0) return '{}';
  const lines = entries.map(([k, x]) => {
    const key = `${JSON.stringify(k)}: `;
    return pad + key + formatJson(x, indent + 2, indent + 2 + key.length, width);
  });
  return `{\n${lines.join(',\n')}\n${close}}`;
}

/** Formats a whole document (2-space indentation, trailing newline). */
export function formatDocument(v: JsonValue): string {
  return formatJson(v, 0) + '\n';
}

/**
 * Replaces the value at `pointer` in `text` with `value`, formatted at the place's
 * indentation; the rest of the text is unchanged. Returns null when the text does not
 * parse or the pointer does not exist.
 */
export function replaceAt(text: string, pointer: string, value: JsonValue): string | null {
  const parsed = parseJsonWithPositions(text);
  if (!parsed.ok) return null;
  const node = nodeAt(parsed.root, pointer);
  if (!node) return null;
  const lineStart = text.lastIndexOf('\n', node.from - 1) + 1;
  const lineIndent = /^ */.exec(text.slice(lineStart))![0].length;
  const column = node.from - lineStart;
  // Nested lines indent from the line's own indentation, as the examples do.
  return text.slice(0, node.from) + formatJson(value, lineIndent, column) + text.slice(node.to);
}
