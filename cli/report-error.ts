/** How main reports a command's failure: plain words and an exit code for each kind of error. */
import { FileTraceStore, FlowInvalidError, ForkError, resolveDataDir, RunInputInvalidError, RunLockedError, RunNotFoundError, TraceQuarantinedError } from '../engine/index.ts';
import { describeDataFolderError } from '../engine/data-folder-errors.ts';
import { commandUsage, EXIT, type CommandSpec } from './command-specs.ts';
import { UsageError } from './usage-error.ts';
import { ApiError } from '../engine/model/contract.ts';

/**
 * API refusals that mean "what you asked for is not there or not possible" — invalid input (exit 2),
 * like a wrong flag; any other code is a failure (exit 1).
 */
const INPUT_CODES = new Set(['BAD_REQUEST', 'INVALID_ARGUMENTS', 'FLOW_NOT_FOUND', 'FLOW_INVALID', 'RUN_NOT_FOUND', 'NODE_NOT_FOUND', 'BUNDLE_UNREADABLE']);

/** "There is no run X" for a run whose trace was set aside earlier says so: why, and where it is. */
export async function setAsideInstead(error: unknown, dataDirFlag: string | undefined): Promise<unknown> {
  if (!(error instanceof RunNotFoundError)) return error;
  try {
    const { quarantined } = await new FileTraceStore(resolveDataDir(dataDirFlag)).list();
    const notice = quarantined.find((q) => q.runId === error.runId);
    return notice ? new TraceQuarantinedError(notice) : error;
  } catch {
    return error;
  }
}

export function reportError(error: unknown, io: { err: (s: string) => void }, name: string, command: CommandSpec): number {
  if (error instanceof UsageError) {
    io.err(`${error.message}\n\n${commandUsage(name, command)}`);
    return EXIT.invalid;
  }
  if (error instanceof FlowInvalidError) {
    io.err(error.message);
    return EXIT.invalid;
  }
  if (error instanceof RunInputInvalidError) {
    io.err(`${error.message}\n  What to do: ${error.hint ?? ''}`);
    return EXIT.invalid;
  }
  if (error instanceof TraceQuarantinedError || error instanceof ForkError) {
    io.err(error.message);
    return EXIT.invalid;
  }
  if (error instanceof RunLockedError) {
    io.err(error.message);
    return EXIT.failed;
  }
  if (error instanceof ApiError) {
    // The hint is the "what to do" the engine wrote for a person: never dropped.
    io.err(`flowkeeper ${name}: ${error.message}${error.hint ? `\n  What to do: ${error.hint}` : ''}`);
    return INPUT_CODES.has(error.code) ? EXIT.invalid : EXIT.failed;
  }
  const folder = describeDataFolderError(error);
  if (folder) {
    io.err(`${folder.message}\n  What to do: ${folder.hint}`);
    return EXIT.invalid;
  }
  const message = error instanceof Error ? error.message : String(error);
  io.err(`flowkeeper ${name}: ${message}`);
  if (process.env.FLOWKEEPER_DEBUG && error instanceof Error && error.stack) io.err(error.stack);
  return EXIT.failed;
}

