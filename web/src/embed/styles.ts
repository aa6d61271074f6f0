// The <gradlab-lesson> element's own styles, adopted into its shadow root as a
// constructable stylesheet (no <style> element, no style attributes: a strict
// Content-Security-Policy with `style-src 'self'` allows this). The course page can theme
// the element through the same custom properties as the app (--bg, --fg, --muted,
// --accent, --grid, --danger), set on the element or inherited, and through ::part().
// The app's view styles (src/views.css) are adopted too, so the views look as in the app.
import viewsCss from '../views.css?inline';
import lessonPanelCss from '../ui/lesson-panel.css?inline';

export const LESSON_CSS = `
:host {
  --bg: #ffffff;
  --fg: #1a1a1a;
  --muted: #5f6368;
  --accent: #0072b2;
  --grid: #e3e3e3;
  --danger: #b3261e;
  --panel: #f7f7f8;
  --on-accent: #ffffff; /* text on an accent background: 4.5:1 or more in both themes */
  display: block;
  box-sizing: border-box;
  max-width: 960px;
  color: var(--fg);
  background: var(--bg);
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  border: 1px solid var(--grid);
  border-radius: 8px;
  padding: 12px 14px;
  contain: content;
}
@media (prefers-color-scheme: dark) {
  :host(:not([theme=light])) {
    --bg: #16181c;
    --fg: #e8eaed;
    --muted: #a0a4aa;
    --accent: #56b4e9;
    --grid: #33363b;
    --danger: #f28b82;
    --panel: #1e2126;
    --on-accent: #0b1620;
  }
}
:host([theme=dark]) {
  --bg: #16181c;
  --fg: #e8eaed;
  --muted: #a0a4aa;
  --accent: #56b4e9;
  --grid: #33363b;
  --danger: #f28b82;
  --panel: #1e2126;
  --on-accent: #0b1620;
}
:host([hidden]) { display: none; }
*, *::before, *::after { box-sizing: border-box; }
[hidden] { display: none !important; }
h2 { font-size: 1.15em; margin: 0 0 4px; }
h3.view-title { font-size: 0.9em; margin: 0 0 4px; color: var(--muted); font-weight: 600; }
.explanation p { margin: 0 0 6px; max-width: 70ch; }
.controls { display: flex; flex-wrap: wrap; align-items: center; gap: 6px; margin: 8px 0; }
button {
  font: inherit;
  color: var(--fg);
  background: var(--panel);
  border: 1px solid var(--grid);
  border-radius: 6px;
  padding: 4px 12px;
  min-height: 32px;
  cursor: pointer;
}
button:hover:not(:disabled) { border-color: var(--accent); }
button:focus-visible { outline: 2px solid var(--accent); outline-offset: 2px; }
button:disabled { opacity: 0.5; cursor: default; }
button[aria-pressed=true] { background: var(--accent); color: var(--bg); border-color: var(--accent); }
.counter { color: var(--muted); font-variant-numeric: tabular-nums; margin-left: 6px; }
.status { color: var(--muted); margin-left: auto; font-size: 0.9em; }
.message { color: var(--danger); margin: 6px 0; white-space: pre-wrap; }
.views { display: grid; grid-template-columns: repeat(auto-fit, minmax(280px, 1fr)); gap: 12px; }
.panel { min-width: 0; background: var(--bg); }
.readout { color: var(--muted); font-size: 0.85em; margin: 2px 0 0; font-variant-numeric: tabular-nums; }
.note { color: var(--muted); font-size: 0.9em; }

`;

let sheet: CSSStyleSheet | null = null;

/** One shared constructable stylesheet for every element on the page. */
export function lessonSheet(): CSSStyleSheet {
  if (!sheet) {
    sheet = new CSSStyleSheet();
    sheet.replaceSync(`${viewsCss}\n${lessonPanelCss}\n${LESSON_CSS}`);
  }
  return sheet;
}
