/**
 * `flowkeeper` command line: validate, run, resume, replay, runs, trace.
 * Exit codes: 0 success · 1 the run failed or was cancelled · 2 invalid input · 3 the run stopped
 * and needs a person's decision.
 *
 * Start-up: this file loads only the commands' names and help (command-specs.ts). A command's code
 * (commands.ts: the engine, node registry, zod schemas, expressions) is imported when it runs, and
 * the error wording (report-error.ts) when one is reported, so `--help` costs little more than
 * starting Node.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { commandUsage, EXIT, specs, type CommandName, type CommandSpec } from './command-specs.ts';

export { EXIT } from './command-specs.ts';

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
    ...Object.entries(specs).map(([name, c]) => `  ${`${name} ${c.args}`.padEnd(34)} ${c.summary}`),
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
  const command: CommandSpec | undefined = Object.hasOwn(specs, name) ? specs[name as CommandName] : undefined;
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
    const { commands } = await import('./commands.ts');
    return await commands[name as CommandName].run({ values: parsed.values, positionals: parsed.positionals, io, json: parsed.values.json === true });
  } catch (error) {
    const { reportError, setAsideInstead } = await import('./report-error.ts');
    return reportError(await setAsideInstead(error, parsed.values['data-dir'] as string | undefined), io, name, command);
  }
}

function defaultIo() {
  // `flowkeeper … | head` closes the pipe early: later writes fail with EPIPE, which Node throws
  // as a crash with a stack trace. The reader has gone, so its output is dropped, and the command
  // still finishes its work (a run is not cut off half-way) and exits with its own code.
  let readerGone = false;
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    readerGone = true;
  });
  return {
    out: (s: string) => void (readerGone || process.stdout.write(s.endsWith('\n') ? s : `${s}\n`)),
    err: (s: string) => void process.stderr.write(s.endsWith('\n') ? s : `${s}\n`),
  };
}
