/**
 * `flowkeeper export <flowId>`: writes the flow's hand-over bundle (engine/handover/) — the flow,
 * the credentials it needs (never values), chosen reference runs with secrets scrubbed and fields
 * masked, the runbook — and, with `--runbook`, the runbook alone as Markdown or an HTML page.
 * Reads the data folder directly (like `status`), so it works whether or not the app is open.
 */
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { dataDirStores, resolveDataDir } from '../engine/index.ts';
import { encodeBundle, exportHandover, handoverRunbook } from '../engine/handover/index.ts';
import type { Command } from './commands.ts';
import { specs } from './command-specs.ts';
import { registry, UsageError } from './context.ts';

function list(raw: unknown): string[] | undefined {
  if (typeof raw !== 'string') return undefined;
  return raw.split(',').map((s) => s.trim()).filter((s) => s !== '');
}

function runbookFormat(path: string): 'markdown' | 'html' {
  const lower = path.toLowerCase();
  if (lower.endsWith('.md') || lower.endsWith('.markdown')) return 'markdown';
  if (lower.endsWith('.html') || lower.endsWith('.htm')) return 'html';
  throw new UsageError(`--runbook ${path}: end the file name in .md (Markdown) or .html (a page to open in a browser).`);
}

export const exportCommand: Command = {
  ...specs.export,
  async run(ctx) {
    const [flowId, extra] = ctx.positionals;
    if (flowId === undefined) throw new UsageError('Name the flow to export: flowkeeper export <flowId> (flowkeeper status lists them).');
    if (extra !== undefined) throw new UsageError(`Unexpected argument "${extra}". Give several runs as --runs id1,id2.`);
    const rawVersion = ctx.values.version as string | undefined;
    const version = rawVersion === undefined ? undefined : Number(rawVersion);
    if (version !== undefined && (!Number.isInteger(version) || version < 1)) throw new UsageError(`--version ${rawVersion}: give a saved version number, like 3.`);
    const runbookPath = ctx.values.runbook as string | undefined;
    const format = runbookPath === undefined ? undefined : runbookFormat(runbookPath);

    const data = dataDirStores(resolveDataDir(ctx.values['data-dir'] as string | undefined), { catalog: registry });
    const deps = { flows: data.flows, traces: data.traces, vault: data.vault, catalog: registry, now: () => Date.now(), generator: 'Flowkeeper 0.1.0', env: process.env };
    const runIds = list(ctx.values.runs);
    const mask = list(ctx.values.mask);
    const result = await exportHandover(deps, { flowId, ...(version === undefined ? {} : { version }), ...(runIds ? { runIds } : {}), ...(mask ? { mask } : {}) });
    const out = resolve((ctx.values.out as string | undefined) ?? result.fileName);
    await writeFile(out, encodeBundle(result.bundle, out));
    let runbookOut: string | undefined;
    if (runbookPath !== undefined && format !== undefined) {
      runbookOut = resolve(runbookPath);
      const runbook = await handoverRunbook(deps, { flowId, ...(version === undefined ? {} : { version }), format });
      await writeFile(runbookOut, runbook.text);
    }

    const { bundle } = result;
    if (ctx.json) {
      ctx.io.out(JSON.stringify({ file: out, ...(runbookOut ? { runbook: runbookOut } : {}), flowId: bundle.flow.id, version: bundle.flow.version, credentials: bundle.credentials, references: bundle.references.map((r) => r.runId), privacy: bundle.privacy, warnings: result.warnings }, null, 2));
      return 0;
    }
    const n = (count: number, one: string, many: string) => `${count} ${count === 1 ? one : many}`;
    ctx.io.out(`Wrote the hand-over bundle of “${bundle.flow.name}” (version ${bundle.flow.version}) to ${out}`);
    ctx.io.out(`  ${n(bundle.credentials.length, 'credential', 'credentials')} needed (names and fields only, never values)${bundle.credentials.length ? `: ${bundle.credentials.map((c) => `${c.id} (${c.typeTitle})`).join(', ')}` : ''}`);
    ctx.io.out(`  ${n(bundle.references.length, 'reference run', 'reference runs')}, secrets removed${bundle.privacy.maskedFields.length ? `; ${n(bundle.privacy.maskedValues, 'value', 'values')} of ${bundle.privacy.maskedFields.join(', ')} masked` : ''}`);
    if (runbookOut) ctx.io.out(`Wrote the runbook to ${runbookOut}`);
    for (const warning of result.warnings) ctx.io.out(`Note: ${warning}`);
    return 0;
  },
};
