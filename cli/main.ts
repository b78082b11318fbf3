/**
 * `flowkeeper` command line: validate, run, resume, replay, runs, trace.
 * Exit codes: 0 success · 1 the run failed or was cancelled · 2 invalid input · 3 the run stopped
 * and needs a person's decision.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { FileTraceStore, FlowInvalidError, ForkError, resolveDataDir, RunInputInvalidError, RunLockedError, RunNotFoundError, TraceQuarantinedError } from '../engine/index.ts';
import { describeDataFolderError } from '../engine/data-folder-errors.ts';
import { commands, type Command } from './commands.ts';
import { UsageError } from './context.ts';

export const EXIT = { ok: 0, failed: 1, invalid: 2, attention: 3 } as const;

const GLOBAL_OPTIONS = {
  'data-dir': { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const satisfies ParseArgsConfig['options'];

export function usage(): string {
  const lines = [
    'flowkeeper — run Flowkeeper flows from the command line',
    '',
    'Usage: flowkeeper <command> [options]',
    '',
    'Commands:',
    ...Object.entries(commands).map(([name, c]) => `  ${`${name} ${c.args}`.padEnd(34)} ${c.summary}`),
    '',
    'Options for every command:',
    '  --data-dir <dir>    where runs and traces live (default: $FLOWKEEPER_DATA_DIR, else the app-data folder)',
    '  --json              machine-readable output on stdout',
    '  -h, --help          help for a command: flowkeeper <command> --help',
    '',
    'Exit codes: 0 success, 1 run failed or cancelled, 2 invalid input, 3 the run needs a person\'s decision.',
  ];
  return lines.join('\n');
}

function commandUsage(name: string, command: Command): string {
  const opts = Object.entries(command.help ?? {}).map(([flag, text]) => `  ${flag.padEnd(28)} ${text}`);
  return [`Usage: flowkeeper ${name} ${command.args}`, '', command.summary, ...(opts.length ? ['', 'Options:', ...opts] : [])].join('\n');
}

export async function main(argv: string[], io: { out: (s: string) => void; err: (s: string) => void } = defaultIo()): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(usage());
    return name === undefined ? EXIT.invalid : EXIT.ok;
  }
  if (name === '--version' || name === '-v') {
    io.out('flowkeeper 0.1.0');
    return EXIT.ok;
  }
  const command = commands[name];
  if (!command) {
    io.err(`Unknown command "${name}". Run "flowkeeper --help" to see the commands.`);
    return EXIT.invalid;
  }
  let parsed: { values: Record<string, unknown>; positionals: string[] };
  try {
    parsed = parseArgs({ args: rest, options: { ...GLOBAL_OPTIONS, ...command.options }, allowPositionals: true, strict: true }) as typeof parsed;
  } catch (error) {
    io.err(`${(error as Error).message.replace(/\. To specify.*$/s, '.')}\n\n${commandUsage(name, command)}`);
    return EXIT.invalid;
  }
  if (parsed.values.help) {
    io.out(commandUsage(name, command));
    return EXIT.ok;
  }
  try {
    return await command.run({ values: parsed.values, positionals: parsed.positionals, io, json: parsed.values.json === true });
  } catch (error) {
    return reportError(await setAsideInstead(error, parsed.values['data-dir'] as string | undefined), io, name, command);
  }
}

/** "There is no run X" for a run whose trace was set aside earlier says so: why, and where it is. */
async function setAsideInstead(error: unknown, dataDirFlag: string | undefined): Promise<unknown> {
  if (!(error instanceof RunNotFoundError)) return error;
  try {
    const { quarantined } = await new FileTraceStore(resolveDataDir(dataDirFlag)).list();
    const notice = quarantined.find((q) => q.runId === error.runId);
    return notice ? new TraceQuarantinedError(notice) : error;
  } catch {
    return error;
  }
}

function reportError(error: unknown, io: { err: (s: string) => void }, name: string, command: Command): number {
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

function defaultIo() {
  return {
    out: (s: string) => void process.stdout.write(s.endsWith('\n') ? s : `${s}\n`),
    err: (s: string) => void process.stderr.write(s.endsWith('\n') ? s : `${s}\n`),
  };
}
