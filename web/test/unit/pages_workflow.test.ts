// The GitHub Pages workflow (.github/workflows/pages.yml) cannot run here: these tests check
// that it is valid YAML of the expected shape, that it builds with the same commands as the
// project's scripts (scripts/serve.sh), in the Debian 12 that the wasm preset's toolchain
// path belongs to, and publishes web/dist with the Pages actions; and the YAML reader itself.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseYaml, type Yaml } from './yaml-subset';

const repo = resolve(import.meta.dirname, '../..', '..');
const read = (p: string) => readFileSync(resolve(repo, p), 'utf8');
type Map = { [key: string]: Yaml };
type Step = { name?: string; uses?: string; run?: string; with?: Map; 'working-directory'?: string; id?: string };

const workflow = parseYaml(read('.github/workflows/pages.yml')) as Map;
const jobs = workflow.jobs as { [name: string]: Map };
const buildSteps = jobs.build.steps as Step[];
const deploySteps = jobs.deploy.steps as Step[];

/** The commands a script runs: its lines that call bash scripts/... or npm (cd/exec/flags folded away). */
function scriptCommands(text: string): string[] {
  const out: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*$/, '').trim();
    for (const m of line.matchAll(/(bash scripts\/[\w.-]+\.sh(?: [\w-]+)*|npm run (?:--silent )?[\w:-]+)/g)) out.push(m[1].replace('--silent ', ''));
  }
  return out;
}

describe('pages workflow', () => {
  it('runs on every push to main (and by hand) with the Pages permissions', () => {
    expect(workflow.on).toEqual({ push: { branches: ['main'] }, workflow_dispatch: null });
    expect(workflow.permissions).toEqual({ contents: 'read', pages: 'write', 'id-token': 'write' });
    expect(Object.keys(jobs).sort()).toEqual(['build', 'deploy']);
  });

  it('builds with the commands scripts/serve.sh runs, in that order', () => {
    const runs = buildSteps.filter((s) => s.run).map((s) => (s['working-directory'] === 'web' ? `(cd web && ${s.run})` : s.run!.trim()));
    expect(runs).toEqual(['bash scripts/build-wasm.sh', 'bash scripts/setup.sh web', '(cd web && npm run build)']);
    const serve = scriptCommands(read('scripts/serve.sh'));
    const commands = buildSteps.filter((s) => s.run).map((s) => s.run!.trim());
    for (const c of commands) expect(serve, `scripts/serve.sh runs "${c}" too`).toContain(c);
    expect(commands.map((c) => serve.indexOf(c))).toEqual([...commands.map((c) => serve.indexOf(c))].sort((a, b) => a - b));
    expect(buildSteps.find((s) => s.run === 'npm run build')?.['working-directory']).toBe('web');
    expect(JSON.parse(read('web/package.json')).scripts.build).toMatch(/vite build/);
  });

  it('builds in Debian 12, whose emscripten the wasm preset names, with node >= 20.19 for Vite', () => {
    expect(jobs.build['runs-on']).toBe('ubuntu-latest');
    expect(jobs.build.container).toBe('debian:12');
    const presets = JSON.parse(read('CMakePresets.json')) as { configurePresets: Array<{ name: string; toolchainFile?: string }> };
    const wasm = presets.configurePresets.find((p) => p.name === 'wasm');
    expect(wasm?.toolchainFile).toBe('/usr/share/emscripten/cmake/Modules/Platform/Emscripten.cmake'); // Debian's emscripten package
    expect(read('scripts/setup.sh')).toMatch(/wasm\) packages\+=\([^)]*\bemscripten\b/);
    const node = buildSteps.find((s) => s.uses?.startsWith('actions/setup-node@'));
    const [major, minor] = String(node?.with?.['node-version']).split('.').map(Number);
    expect(major > 20 || (major === 20 && minor >= 19)).toBe(true);
    expect(buildSteps[0].uses).toMatch(/^actions\/checkout@v\d+$/);
  });

  it('publishes web/dist with upload-pages-artifact and deploy-pages', () => {
    const upload = buildSteps[buildSteps.length - 1];
    expect(upload.uses).toMatch(/^actions\/upload-pages-artifact@v\d+$/);
    expect(upload.with).toEqual({ path: 'web/dist' });
    expect(jobs.deploy.needs).toBe('build');
    expect(jobs.deploy.environment).toEqual({ name: 'github-pages', url: '${{ steps.deployment.outputs.page_url }}' });
    expect(deploySteps).toEqual([{ id: 'deployment', uses: expect.stringMatching(/^actions\/deploy-pages@v\d+$/) }]);
  });

  it('is documented in README.md with its URL, under a sub-path', () => {
    const readme = read('README.md');
    const top = readme.split('\n## ')[0];
    expect(top).toMatch(/https:\/\/OWNER\.github\.io\/gradlab\//);
    expect(top).toMatch(/\.github\/workflows\/pages\.yml/);
    expect(read('web/vite.config.ts')).toMatch(/base: '\.\/'/); // relative asset paths: any sub-path works
  });
});

describe('yaml-subset', () => {
  it('reads mappings, sequences, quoted and block scalars, comments', () => {
    const doc = parseYaml(
      [
        '# c',
        'a: 1',
        'b: "x: y" # comment',
        "c: 'it''s'",
        'd:',
        '  - one',
        '  - k: v',
        '    m: [x, y]',
        'e: |',
        '  line 1',
        '    line 2',
        'f: on',
        'g:',
        '- seq at key indent',
      ].join('\n'),
    );
    expect(doc).toEqual({ a: 1, b: 'x: y', c: "it's", d: ['one', { k: 'v', m: ['x', 'y'] }], e: 'line 1\n  line 2\n', f: 'on', g: ['seq at key indent'] });
  });

  it.each([
    ['a: 1\na: 2', 'duplicate key'],
    ['a:\n\tb: 1', 'tab'],
    ['a: &x 1', 'unsupported'],
    ['a: {b: 1}', 'unsupported'],
    ['a: 1\n  b: 2', 'indentation'],
    ['a: "open', 'double-quoted'],
    ['just text', 'expected "key: value"'],
    ['a: b: c', 'cannot hold'],
    ['---\na: 1', 'documents'],
  ])('refuses %j', (text, why) => {
    expect(() => parseYaml(text)).toThrow(why);
  });
});
