/**
 * The runbook as Markdown, or as one self-contained HTML page a person opens without the app:
 * inline styles only, no scripts, no outside resources, every text escaped. Both come from the
 * same document model (runbook.ts), so they say the same thing.
 *
 * May import: engine/model, engine/handover.
 */
import type { Block, Inline, RunbookDoc } from './runbook.ts';

// ---------------------------------------------------------------------------------------------
// Markdown

/** Characters Markdown would read as formatting (or HTML) inside a text. */
function mdEscape(text: string): string {
  return text.replace(/[\\`*_{}[\]<>#|]/g, (c) => `\\${c}`);
}

function mdCode(text: string): string {
  const oneLine = text.replace(/\s+/g, ' ');
  const fence = oneLine.includes('`') ? '``' : '`';
  return `${fence}${fence.length > 1 ? ' ' : ''}${oneLine}${fence.length > 1 ? ' ' : ''}${fence}`;
}

function mdInline(parts: readonly Inline[]): string {
  return parts.map((p) => (typeof p === 'string' ? mdEscape(p) : 'strong' in p ? `**${mdEscape(p.strong)}**` : mdCode(p.code))).join('');
}

function mdBlock(block: Block): string {
  if ('p' in block) return mdInline(block.p);
  if ('ul' in block) return block.ul.map((item) => `- ${mdInline(item)}`).join('\n');
  if ('ol' in block) return block.ol.map((item, i) => `${i + 1}. ${mdInline(item)}`).join('\n');
  const { head, rows } = block.table;
  return [`| ${head.map(mdEscape).join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`, ...rows.map((cells) => `| ${cells.map(mdInline).join(' | ')} |`)].join('\n');
}

export function runbookMarkdown(doc: RunbookDoc): string {
  const parts = [`# ${mdEscape(doc.title)}`, `_${mdEscape(doc.subtitle)}_`];
  for (const section of doc.sections) parts.push(`## ${mdEscape(section.title)}`, ...section.blocks.map(mdBlock));
  return `${parts.join('\n\n')}\n`;
}

// ---------------------------------------------------------------------------------------------
// HTML

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function htmlInline(parts: readonly Inline[]): string {
  return parts.map((p) => (typeof p === 'string' ? escapeHtml(p) : 'strong' in p ? `<strong>${escapeHtml(p.strong)}</strong>` : `<code>${escapeHtml(p.code)}</code>`)).join('');
}

function htmlBlock(block: Block): string {
  if ('p' in block) return `<p>${htmlInline(block.p)}</p>`;
  if ('ul' in block) return `<ul>${block.ul.map((item) => `<li>${htmlInline(item)}</li>`).join('')}</ul>`;
  if ('ol' in block) return `<ol>${block.ol.map((item) => `<li>${htmlInline(item)}</li>`).join('')}</ol>`;
  const { head, rows } = block.table;
  return `<div class="table"><table><thead><tr>${head.map((h) => `<th scope="col">${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>${rows.map((cells) => `<tr>${cells.map((c) => `<td>${htmlInline(c)}</td>`).join('')}</tr>`).join('')}</tbody></table></div>`;
}

const STYLE = [
  'body{font:16px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1d2430;background:#fff;margin:0}',
  'main{max-width:52rem;margin:0 auto;padding:1.5rem}',
  'h1{font-size:1.7rem;margin:0 0 .25rem}h2{font-size:1.25rem;margin:2rem 0 .5rem;border-bottom:1px solid #d8dee8;padding-bottom:.25rem}',
  '.subtitle{color:#56607a;margin-top:0}code{font:.9em ui-monospace,Menlo,Consolas,monospace;background:#f1f4f8;padding:.05em .3em;border-radius:3px;overflow-wrap:anywhere}',
  'li{margin:.3rem 0}.table{overflow-x:auto}table{border-collapse:collapse;width:100%}th,td{border:1px solid #d8dee8;padding:.35rem .5rem;text-align:left;vertical-align:top}th{background:#f6f8fb}',
  'nav ul{columns:2;padding-left:1.2rem}@media print{nav{display:none}}',
].join('\n');

export function runbookHtml(doc: RunbookDoc): string {
  const nav = `<nav aria-label="Contents"><ul>${doc.sections.map((s) => `<li><a href="#${escapeHtml(s.id)}">${escapeHtml(s.title)}</a></li>`).join('')}</ul></nav>`;
  const body = doc.sections.map((s) => `<section id="${escapeHtml(s.id)}"><h2>${escapeHtml(s.title)}</h2>${s.blocks.map(htmlBlock).join('\n')}</section>`).join('\n');
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    // No scripts, no outside resources: the page is read, never run.
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`,
    `<title>${escapeHtml(doc.title)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body><main>',
    `<h1>${escapeHtml(doc.title)}</h1>`,
    `<p class="subtitle">${escapeHtml(doc.subtitle)}</p>`,
    nav,
    body,
    '</main></body>',
    '</html>',
    '',
  ].join('\n');
}
