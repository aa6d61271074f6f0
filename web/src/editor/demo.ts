// The editor's demo page (src/editor/demo.html; not part of the app build): the editor with
// a fake validator, an example picker, and the onChange calls listed below it.
import { NetworkEditor } from './network_editor';
import { demoValidate } from './demo_validate';

const examples = Object.fromEntries(
  Object.entries(import.meta.glob<string>('../../../examples/*.json', { query: '?raw', import: 'default', eager: true })).map(([p, t]) => [p.split('/').pop()!, t]),
);
const host = document.getElementById('host')!;
const changes = document.getElementById('changes')!;
const picker = document.getElementById('example') as HTMLSelectElement;
for (const name of Object.keys(examples)) picker.append(new Option(name, name));

const editor = new NetworkEditor(host, {
  validate: demoValidate,
  onChange(specText, validation) {
    const li = document.createElement('li');
    li.textContent = `${validation.total_parameters} parameters, ${specText.length} chars`;
    changes.append(li);
  },
});
const start = new URLSearchParams(location.search).get('example') ?? 'xor.json';
picker.value = start;
editor.setSpec(examples[start] ?? '{}');
picker.addEventListener('change', () => editor.setSpec(examples[picker.value] ?? '{}'));
document.getElementById('dark')!.addEventListener('change', (e) => {
  document.documentElement.dataset['theme'] = (e.target as HTMLInputElement).checked ? 'dark' : 'light';
});
(window as unknown as { gradlabEditor: NetworkEditor }).gradlabEditor = editor;
