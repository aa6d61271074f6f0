// The workspace page: find the elements, start the engine worker, mount the panels.
// Wiring only; the flow lives in ui/workspace.ts.
import './styles.css';
import './ui/lesson-panel.css';
import { EngineClient } from './engine/client';
import { Workspace, applyTheme, type WorkspaceElements } from './ui/workspace';
import { NetworkEditor } from './editor/network_editor';
import './offline/register';
import { makeCollapsible } from './ui/collapse';

function byId<T extends HTMLElement>(id: string): T {
  const e = document.getElementById(id);
  if (!e) throw new Error(`index.html has no #${id}`);
  return e as T;
}

async function main(): Promise<void> {
  applyTheme('auto');
  for (const card of document.querySelectorAll<HTMLElement>('.card[data-panel]')) makeCollapsible(card, card.dataset['panel']!);
  const message = byId('message');
  const elements: WorkspaceElements = {
    lesson: byId('lesson'),
    share: byId('share'),
    shareUrl: document.querySelector('.share-url') as HTMLInputElement,
    theme: byId('theme'),
    message,
    lessonText: byId('lesson-text'),
    data: byId('data'),
    settings: byId('settings'),
    network: byId('network'),
    controls: byId('controls'),
    curves: byId('curves'),
    views: byId('views'),
    viewPicker: byId('add-view'),
    extras: byId('extras'),
    files: byId('files'),
  };
  let client: EngineClient;
  try {
    client = await EngineClient.start(new URL('engine/', document.baseURI).href);
  } catch (e) {
    message.hidden = false;
    message.textContent = `The training engine could not start in this browser: ${(e as Error).message}. gradlab needs WebAssembly (and the files in engine/).`;
    return;
  }
  document.documentElement.dataset.engine = client.flavour;
  const workspace = new Workspace(client, elements);
  const editor = new NetworkEditor(elements.network, {
    validate: (text) => workspace.validate(text),
    onChange: (text) => void workspace.specEdited(text),
  });
  workspace.mountEditor(editor);
  await workspace.start();
}

void main();
