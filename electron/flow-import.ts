/**
 * File ▸ Import flow…: a native open dialog, then `flows.import` through the same dispatch the
 * renderer uses. Dialogs and file reading are injected, so tests run it without Electron.
 */
import type { ApiErrorInfo, ApiReply, MethodName } from '../engine/model/contract.ts';

/** The contract's limit for `flows.import` text. */
export const MAX_FLOW_FILE_BYTES = 20 * 1024 * 1024;

export interface FlowImportDeps {
  chooseFile(): Promise<string | undefined>;
  fileSize(path: string): Promise<number>;
  readText(path: string): Promise<string>;
  call(method: MethodName, args: unknown): Promise<ApiReply>;
  /** Shows a message; resolves to the index of the chosen button. */
  message(options: { type: 'info' | 'error' | 'question'; message: string; detail?: string; buttons?: string[] }): Promise<number>;
}

export type ImportOutcome = { status: 'cancelled' } | { status: 'imported'; name: string; version: number } | { status: 'failed'; error: ApiErrorInfo };

export async function importFlowInteractively(deps: FlowImportDeps): Promise<ImportOutcome> {
  const file = await deps.chooseFile();
  if (!file) return { status: 'cancelled' };

  let text: string;
  try {
    const size = await deps.fileSize(file);
    if (size > MAX_FLOW_FILE_BYTES) {
      return failed(deps, { code: 'FILE_TOO_LARGE', message: `${file} is ${Math.round(size / 1024 / 1024)} MB; a flow file can be at most 20 MB.`, hint: 'Check that this is a Flowkeeper flow file.' });
    }
    text = await deps.readText(file);
  } catch (error) {
    return failed(deps, { code: 'FILE_UNREADABLE', message: `Could not read ${file}: ${(error as Error).message}`, hint: 'Check that the file exists and that you may read it.' });
  }

  let reply = await deps.call('flows.import', { text });
  if (!reply.ok && isAlreadyThere(reply.error)) {
    const choice = await deps.message({ type: 'question', message: reply.error.message, detail: 'Import the file as a new version of that flow? Its earlier versions stay in the history.', buttons: ['Import as new version', 'Cancel'] });
    if (choice !== 0) return { status: 'cancelled' };
    reply = await deps.call('flows.import', { text, overwrite: true });
  }
  if (!reply.ok) return failed(deps, reply.error);

  const { name, version } = describeImported(reply.result);
  await deps.message({ type: 'info', message: `Imported "${name}"${version ? ` (version ${version})` : ''}.` });
  return { status: 'imported', name, version };
}

/** The plain-words report for a failed import: message, what to do, and where the problems are. */
export function describeImportError(error: ApiErrorInfo): string {
  const lines: string[] = [];
  if (error.hint) lines.push(error.hint);
  const problems = error.problems ?? [];
  for (const problem of problems.slice(0, 10)) lines.push(`• ${problem.path ? `${problem.path}: ` : ''}${problem.message}`);
  if (problems.length > 10) lines.push(`… and ${problems.length - 10} more.`);
  return lines.join('\n');
}

async function failed(deps: FlowImportDeps, error: ApiErrorInfo): Promise<ImportOutcome> {
  const detail = describeImportError(error);
  await deps.message({ type: 'error', message: `The flow was not imported. ${error.message}`, ...(detail ? { detail } : {}) });
  return { status: 'failed', error };
}

/** A flow with the same id is already saved (the service refuses without `overwrite`). */
function isAlreadyThere(error: ApiErrorInfo): boolean {
  return error.code === 'FLOW_EXISTS';
}

function describeImported(result: unknown): { name: string; version: number } {
  const record = (value: unknown): Record<string, unknown> => (value && typeof value === 'object' ? (value as Record<string, unknown>) : {});
  const flow = record(record(result).flow);
  const version = record(result).version;
  return { name: typeof flow.name === 'string' ? flow.name : 'the flow', version: typeof version === 'number' ? version : 0 };
}
