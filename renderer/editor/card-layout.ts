/**
 * The size of a step's card and where its port handles are, computed before the card is drawn,
 * so React Flow can show the 1,000 cards and their edges in the first paint.
 *
 * React Flow hides a node (visibility: hidden) until it knows its size and draws an edge once it
 * knows its handles; without them every card was styled and laid out hidden, measured, then shown
 * (a second style pass over ~11,000 elements) and the edges came after (bench figure 9). A node
 * with `initialWidth`/`initialHeight` and `handles` is shown at once; React Flow still measures it
 * when it mounts and then uses what it measured, so an estimate that is off only moves the edges
 * of that card once. test/e2e/editor-card-size.spec.ts checks that it is not off for each
 * built-in node type.
 *
 * The numbers are the card's box model, read from the custom properties editor.css declares
 * (`--card-*`, one place for both) and the fonts of styles.css (`--font`, `--mono`); text is
 * wrapped the way the card wraps it (at spaces and after hyphens, a word longer than the line
 * anywhere: `overflow-wrap: anywhere`), measured with a canvas.
 */
import { Position, type NodeHandle } from '@xyflow/react';
import type { CardContent } from './card-content.ts';

export interface CardBox {
  width: number;
  height: number;
  handles: NodeHandle[];
}

const VARS = {
  width: '--card-width',
  border: '--card-border',
  padX: '--card-pad-x',
  padY: '--card-pad-y',
  nameSize: '--card-name-size',
  nameLine: '--card-name-line',
  nameIndent: '--card-name-indent',
  icon: '--card-icon',
  headGap: '--card-head-gap',
  badgeSize: '--card-badge-size',
  badgeLine: '--card-badge-line',
  badgePadX: '--card-badge-pad-x',
  badgePadY: '--card-badge-pad-y',
  textSize: '--card-text-size',
  textLine: '--card-text-line',
  typeGap: '--card-type-gap',
  gap: '--card-gap',
  summarySize: '--card-summary-size',
  summaryLine: '--card-summary-line',
  problemLine: '--card-problem-line',
  problemLines: '--card-problem-lines',
  progressGap: '--card-progress-gap',
  progressHeight: '--card-progress-height',
  portFirstGap: '--card-port-first-gap',
  portGap: '--card-port-gap',
  portRow: '--card-port-row',
  handle: '--card-handle',
  handleInLeft: '--card-handle-in-left',
  handleOutRight: '--card-handle-out-right',
} as const;

type Metrics = Record<keyof typeof VARS, number> & { font: string; mono: string };

let metrics: Metrics | null | undefined;
let context: CanvasRenderingContext2D | null | undefined;
const widths = new Map<string, Map<string, number>>();

/** The card's numbers from editor.css, once; null where the stylesheet is not loaded (then React Flow measures as usual). */
function readMetrics(): Metrics | null {
  if (metrics !== undefined) return metrics;
  if (typeof document === 'undefined' || typeof getComputedStyle !== 'function') return (metrics = null);
  const style = getComputedStyle(document.documentElement);
  const out: Partial<Metrics> = { font: style.getPropertyValue('--font').trim(), mono: style.getPropertyValue('--mono').trim() };
  for (const [key, name] of Object.entries(VARS) as Array<[keyof typeof VARS, string]>) {
    const value = parseFloat(style.getPropertyValue(name));
    if (!Number.isFinite(value)) return (metrics = null);
    out[key] = value;
  }
  if (!out.font || !out.mono) return (metrics = null);
  return (metrics = out as Metrics);
}

function textWidth(font: string, text: string): number {
  let byText = widths.get(font);
  if (!byText) widths.set(font, (byText = new Map()));
  let w = byText.get(text);
  if (w === undefined) {
    if (context!.font !== font) context!.font = font;
    w = context!.measureText(text).width;
    byText.set(text, w);
  }
  return w;
}

/** Break units: a word with the space after it, or up to and including a hyphen between letters. */
const UNITS = /[^\s]*?\p{L}-(?=\p{L})|[^\s]+\s?|\s/gu;

/** How many lines `text` takes in a box `max` px wide (white-space: normal, overflow-wrap: anywhere). */
export function lineCount(font: string, text: string, max: number): number {
  const clean = text.replace(/\s+/g, ' ').trim();
  if (clean === '') return 0;
  if (textWidth(font, clean) <= max) return 1;
  let lines = 1;
  let line = '';
  const fits = (s: string) => textWidth(font, s.trimEnd()) <= max;
  for (const unit of clean.match(UNITS) ?? []) {
    if (fits(line + unit)) {
      line += unit;
      continue;
    }
    if (line.trim() !== '') {
      lines += 1;
      line = '';
    }
    if (fits(unit)) {
      line = unit.trimStart();
      continue;
    }
    // A word longer than the line breaks anywhere (by character).
    for (const ch of unit) {
      if (line === '' || fits(line + ch)) line += ch;
      else {
        lines += 1;
        line = ch;
      }
    }
  }
  return lines;
}

/** The card's size and handle positions (relative to the React Flow node), or undefined if they cannot be known before drawing it. */
export function cardBox(content: CardContent): CardBox | undefined {
  const m = readMetrics();
  if (!m) return undefined;
  if (context === undefined) context = typeof document === 'undefined' ? null : document.createElement('canvas').getContext('2d');
  if (!context) return undefined;
  const text = `${m.textSize}px ${m.font}`;
  const inner = m.width - 2 * m.border - 2 * m.padX;
  let nameBox = inner;
  let head = m.icon;
  if (content.badge) {
    const badge = textWidth(`${m.badgeSize}px ${m.font}`, content.badge.text) + 2 * m.badgePadX;
    nameBox -= badge + m.headGap;
    head = Math.max(head, m.badgeLine + 2 * m.badgePadY);
  }
  head = Math.max(head, lineCount(`600 ${m.nameSize}px ${m.font}`, content.shown, nameBox - m.nameIndent) * m.nameLine);
  let height = 2 * m.border + 2 * m.padY + head;
  if (content.type) height += m.typeGap + lineCount(text, content.type, inner) * m.textLine;
  if (content.summary) height += m.gap + lineCount(`${m.summarySize}px ${m.mono}`, content.summary, inner) * m.summaryLine;
  if (content.message) height += m.gap + Math.min(m.problemLines, lineCount(text, content.message.text, inner)) * m.problemLine;
  if (content.progress) height += m.progressGap + m.progressHeight;
  for (const note of content.notes) height += m.gap + lineCount(text, note.text, inner) * m.textLine;
  const outs = content.outputs.length;
  if (outs > 0) height += m.portFirstGap + outs * m.portRow + (outs - 1) * m.portGap;

  const handles: NodeHandle[] = [];
  content.inputs.forEach((port, i) => {
    // Layout keeps 1/64 px (Chromium's LayoutUnit), so a share of the height is cut to that.
    const top = Math.floor(((i + 1) / (content.inputs.length + 1)) * height * 64 - (m.handle / 2) * 64) / 64;
    handles.push({ id: port, type: 'target', position: Position.Left, x: m.handleInLeft, y: top, width: m.handle, height: m.handle });
  });
  content.outputs.forEach(({ port }, i) => {
    const bottom = outputBottom(m, outs - 1 - i);
    handles.push({ id: port, type: 'source', position: Position.Right, x: m.width + -m.handleOutRight - m.handle, y: height - bottom - m.handle, width: m.handle, height: m.handle });
  });
  return { width: m.width, height, handles };
}

/** Distance (px) from the node's bottom to the bottom of the handle `fromLast` rows above the last output row (as editor.css's `.port-out`). */
function outputBottom(m: Metrics, fromLast: number): number {
  return m.border + m.padY + fromLast * (m.portRow + m.portGap) + m.portRow / 2 - m.handle / 2;
}
