// A strict parser for the subset of YAML that GitHub workflow files use (no YAML package is
// installed and none is added for one test): block mappings and sequences by indentation,
// plain, single- and double-quoted scalars, flow sequences of scalars (`[main]`), `|` and `>`
// block scalars, comments. Anything else (tabs, anchors, aliases, tags, flow mappings,
// several documents, a duplicate key, a bad indent) throws with the line number, so a file
// it accepts is valid YAML with the structure it returns. Scalars are YAML 1.2 core types
// (`on` stays a string, as GitHub reads it).

export type Yaml = string | number | boolean | null | Yaml[] | { [key: string]: Yaml };

interface Line {
  n: number;
  indent: number;
  text: string;
}

function fail(line: Line | number, why: string): never {
  throw new Error(`YAML line ${typeof line === 'number' ? line : line.n}: ${why}`);
}

/** Remove a comment (a # after a space, outside quotes). */
function stripComment(text: string): string {
  let quote = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === quote) quote = '';
    } else if (c === '"' || c === "'") {
      quote = c;
    } else if (c === '#' && (i === 0 || text[i - 1] === ' ')) {
      return text.slice(0, i).trimEnd();
    }
  }
  return text.trimEnd();
}

export function scalar(raw: string, n: number): Yaml {
  const s = raw.trim();
  if (s === '' || s === '~' || s === 'null') return null;
  if (s === 'true') return true;
  if (s === 'false') return false;
  if (/^-?(0|[1-9][0-9]*)(\.[0-9]+)?$/.test(s)) return Number(s);
  if (s.startsWith('"')) {
    if (!/^"([^"\\]|\\.)*"$/.test(s)) fail(n, `bad double-quoted scalar ${s}`);
    return JSON.parse(s) as string;
  }
  if (s.startsWith("'")) {
    if (!/^'([^']|'')*'$/.test(s)) fail(n, `bad single-quoted scalar ${s}`);
    return s.slice(1, -1).replaceAll("''", "'");
  }
  if (s.startsWith('[')) {
    if (!s.endsWith(']')) fail(n, `unclosed flow sequence ${s}`);
    const inner = s.slice(1, -1).trim();
    return inner === '' ? [] : inner.split(',').map((p) => scalar(p, n));
  }
  if (/^[&*!{|>%@`]/.test(s)) fail(n, `unsupported YAML (${s[0]}) in ${s}`);
  if (/:(\s|$)/.test(s)) fail(n, `a plain scalar cannot hold ": " (${s})`);
  return s;
}

export function parseYaml(source: string): Yaml {
  const lines: Line[] = [];
  source.split('\n').forEach((raw, i) => {
    if (/^\s*\t/.test(raw)) fail(i + 1, 'a tab in the indentation');
    if (/^(---|\.\.\.)(\s|$)/.test(raw)) fail(i + 1, 'several documents are not supported');
    lines.push({ n: i + 1, indent: raw.length - raw.trimStart().length, text: raw.trimStart() });
  });
  let pos = 0;
  const skipBlank = () => {
    while (pos < lines.length && stripComment(lines[pos].text) === '') pos++;
  };

  /** A `|` or `>` block scalar whose lines are indented deeper than `parent`. */
  function blockScalar(style: string, parent: number): string {
    const body: string[] = [];
    let indent = -1;
    while (pos < lines.length) {
      const l = lines[pos];
      if (l.text === '') {
        body.push('');
        pos++;
        continue;
      }
      if (l.indent <= parent) break;
      if (indent < 0) indent = l.indent;
      if (l.indent < indent) fail(l, 'a block scalar line indented less than its first line');
      body.push(' '.repeat(l.indent - indent) + l.text);
      pos++;
    }
    while (body.length && body[body.length - 1] === '') body.pop();
    return style.startsWith('|') ? `${body.join('\n')}\n` : `${body.join(' ')}\n`;
  }

  /** The value after `key:` or `- `: inline, a block scalar, or a nested block. */
  function valueAfter(rest: string, line: Line, indent: number): Yaml {
    const text = stripComment(rest).trim();
    if (text === '|' || text === '|-' || text === '>' || text === '>-') {
      pos++;
      return blockScalar(text, indent);
    }
    pos++;
    if (text !== '') return scalar(text, line.n);
    skipBlank();
    if (pos < lines.length && lines[pos].indent > indent) return block(lines[pos].indent);
    // a sequence may sit at its key's indentation
    if (pos < lines.length && lines[pos].indent === indent && lines[pos].text.startsWith('- ')) return block(indent);
    return null;
  }

  function block(indent: number): Yaml {
    skipBlank();
    const first = lines[pos];
    if (first.text.startsWith('- ') || first.text === '-') return sequence(indent);
    return mapping(indent);
  }

  function sequence(indent: number): Yaml[] {
    const out: Yaml[] = [];
    for (skipBlank(); pos < lines.length; skipBlank()) {
      const l = lines[pos];
      if (l.indent < indent) break;
      if (l.indent > indent) fail(l, 'bad indentation in a sequence');
      if (!(l.text.startsWith('- ') || l.text === '-')) break;
      const rest = l.text.slice(1).trimStart();
      const inner = indent + (l.text.length - rest.length);
      if (/^[^\s"'[][^:]*:(\s|$)/.test(rest)) {
        // `- key: value` starts a mapping indented at the key
        lines[pos] = { n: l.n, indent: inner, text: rest };
        out.push(mapping(inner));
      } else {
        out.push(valueAfter(rest, l, indent));
      }
    }
    return out;
  }

  function mapping(indent: number): { [key: string]: Yaml } {
    const out: { [key: string]: Yaml } = {};
    for (skipBlank(); pos < lines.length; skipBlank()) {
      const l = lines[pos];
      if (l.indent < indent) break;
      if (l.indent > indent) fail(l, 'bad indentation in a mapping');
      if (l.text.startsWith('- ')) break;
      const m = /^([^\s"'#][^:]*?|"[^"]*"|'[^']*'):(\s+|$)(.*)$/.exec(l.text);
      if (!m) fail(l, `expected "key: value", found ${l.text}`);
      const key = String(scalar(m[1], l.n));
      if (Object.hasOwn(out, key)) fail(l, `duplicate key ${key}`);
      out[key] = valueAfter(m[3], l, indent);
    }
    return out;
  }

  skipBlank();
  if (pos >= lines.length) return null;
  if (lines[pos].indent !== 0) fail(lines[pos], 'the document must start at column 0');
  const doc = block(0);
  skipBlank();
  if (pos < lines.length) fail(lines[pos], `unexpected content: ${lines[pos].text}`);
  return doc;
}
