/**
 * `flowkeeper credentials list | set | delete`: the same vault the app uses (values in the OS
 * keychain, names in <data>/credentials.json). The secret itself is never a command-line argument
 * (it would land in the shell history and the process list): it is read from stdin when stdin is
 * piped, else from a prompt that does not echo.
 */
import { ApiError, dataDirStores, resolveDataDir } from '../engine/index.ts';
import { CREDENTIAL_TYPES, missingFields, secretFieldOf } from '../engine/model/credential-types.ts';

/** Each known type's secret field (read from stdin), from the shared list of credential types. */
const SECRET_FIELD: Record<string, string> = Object.fromEntries(
  CREDENTIAL_TYPES.flatMap((preset) => {
    const secret = secretFieldOf(preset.type);
    return secret === undefined ? [] : [[preset.type, secret]];
  }),
);
import type { Command } from './commands.ts';
import { specs } from './command-specs.ts';
import { registry, UsageError, type CommandContext, type Io } from './context.ts';

const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

export interface SecretReader {
  /** Reads one secret: all of stdin when piped, else a prompt without echo. */
  (prompt: string): Promise<string>;
}

export const credentialsCommand: Command = {
  ...specs.credentials,
  async run(ctx: CommandContext): Promise<number> {
    const [action, ...rest] = ctx.positionals;
    const vault = dataDirStores(resolveDataDir(ctx.values['data-dir'] as string | undefined), { catalog: registry }).vault;
    try {
      switch (action) {
        case 'list': {
          if (rest.length > 0) throw new UsageError(`Unexpected argument "${rest[0]}".`);
          const list = await vault.list();
          if (ctx.json) ctx.io.out(JSON.stringify(list, null, 2));
          else if (list.length === 0) ctx.io.out('No credentials yet. Add one with: flowkeeper credentials set --name <name> --type <type>');
          else {
            for (const c of list) {
              // OAuth2 sign-ins as a person: whether they are connected, and how to fix it if not.
              const connect = CREDENTIAL_TYPES.find((p) => p.type === c.type)?.connect
                ? c.connection?.state === 'connected'
                  ? '  signed in'
                  : `  ${c.connection?.state === 'expired' ? 'sign-in expired or withdrawn' : 'not signed in yet'}: flowkeeper credentials connect ${c.id}`
                : '';
              ctx.io.out(`${c.id.padEnd(24)} ${c.type.padEnd(16)} fields: ${c.fields.join(', ')}${c.label ? `  (${c.label})` : ''}${connect}`);
            }
          }
          return 0;
        }
        case 'types': {
          if (rest.length > 0) throw new UsageError(`Unexpected argument "${rest[0]}".`);
          if (ctx.json) ctx.io.out(JSON.stringify(CREDENTIAL_TYPES, null, 2));
          else {
            for (const preset of CREDENTIAL_TYPES) {
              ctx.io.out(`${preset.type.padEnd(28)} ${preset.title}`);
              for (const f of preset.fields) ctx.io.out(`  ${f.name.padEnd(26)} ${f.secret ? 'secret, from stdin or the prompt' : `--field ${f.name}=…`}${f.optional ? ' (optional)' : ''}`);
            }
          }
          return 0;
        }
        case 'set': {
          if (rest.length > 0) throw new UsageError(`Unexpected argument "${rest[0]}". The secret is never an argument: pipe it to stdin or type it at the prompt.`);
          const id = ctx.values.name as string | undefined;
          const type = ctx.values.type as string | undefined;
          if (!id) throw new UsageError('Missing --name (the name flows use to refer to the credential, e.g. shop-api).');
          if (!ID_PATTERN.test(id) || id.length > 100) throw new UsageError(`--name "${id}" is not a usable name: use letters, digits, "-", "_" and ".", starting with a letter or digit.`);
          if (!type) throw new UsageError(`Missing --type. Known types: ${Object.keys(SECRET_FIELD).join(', ')} (or your own, with --secret-field). See them with: flowkeeper credentials types`);
          const secretField = (ctx.values['secret-field'] as string | undefined) ?? SECRET_FIELD[type];
          if (!secretField) {
            throw new UsageError(
              `Type "${type}" is not one Flowkeeper knows (known types: ${Object.keys(SECRET_FIELD).join(', ')}). ` +
                'Check the spelling (flowkeeper credentials types lists them), or for a type of your own say which field holds the secret with --secret-field <name>.',
            );
          }
          const values: Record<string, string> = {};
          for (const pair of (ctx.values.field as string[] | undefined) ?? []) {
            const at = pair.indexOf('=');
            if (at <= 0) throw new UsageError(`--field "${pair}" must look like name=value.`);
            const name = pair.slice(0, at);
            if (name === secretField) throw new UsageError(`--field ${name}=… would put the secret on the command line; leave it out and pipe it to stdin or type it at the prompt.`);
            values[name] = pair.slice(at + 1);
          }
          // Known types are checked against the shared list before anything is asked or stored.
          const missing = missingFields(type, values, [secretField]);
          if (missing.length > 0) {
            const names = missing.map((f) => `"${f.name}" (${f.label})`).join(', ');
            const fix = `flowkeeper credentials set --name ${id} --type ${type} ${[...Object.keys(values).map((k) => `--field ${k}=…`), ...missing.map((f) => `--field ${f.name}=<value>`)].join(' ')}`;
            throw new UsageError(`Type "${type}" needs the field${missing.length > 1 ? 's' : ''} ${names}, which ${missing.length > 1 ? 'were' : 'was'} not given. Run: ${fix}`);
          }
          // Tests (and embedding callers) hand a reader in with the output streams.
          const read = (ctx.io as Io & { readSecret?: SecretReader }).readSecret ?? readSecret;
          const secret = await read(`${secretField} for ${id}: `);
          const secretOptional = CREDENTIAL_TYPES.find((p) => p.type === type)?.fields.find((f) => f.name === secretField)?.optional === true;
          if (secret === '' && !secretOptional) throw new UsageError(`No ${secretField} was given (stdin was empty). Pipe it in, e.g. printf %s "$TOKEN" | flowkeeper credentials set …`);
          if (secret !== '') values[secretField] = secret;
          const info = await vault.set(id, type, (ctx.values.label as string | undefined) ?? '', values);
          const next = CREDENTIAL_TYPES.find((p) => p.type === type)?.connect ? `\nNext, sign in once in the browser: flowkeeper credentials connect ${id}` : '';
          ctx.io.out(ctx.json ? JSON.stringify(info, null, 2) : `Stored credential "${id}" (${type}; fields: ${info.fields.join(', ')}) in the system keychain.${next}`);
          return 0;
        }
        case 'connect': {
          const [id, extra] = rest;
          if (id === undefined) throw new UsageError('Missing the name of the credential to connect, e.g. flowkeeper credentials connect crm');
          if (extra !== undefined) throw new UsageError(`Unexpected argument "${extra}".`);
          const { url, done } = await vault.connections.start(id);
          // The URL goes to stderr with --json, so stdout stays one JSON document.
          const say = ctx.json ? ctx.io.err : ctx.io.out;
          say(`Open this address in a browser on this computer and sign in:\n\n  ${url}\n\nWaiting for the sign-in to finish (up to 10 minutes; Ctrl+C to stop)…`);
          const info = await done;
          ctx.io.out(ctx.json ? JSON.stringify(info, null, 2) : `Connected "${id}". Its sign-in is kept in the system keychain and renewed when it runs out.`);
          return 0;
        }
        case 'delete': {
          const [id, extra] = rest;
          if (id === undefined) throw new UsageError('Missing the name of the credential to delete.');
          if (extra !== undefined) throw new UsageError(`Unexpected argument "${extra}".`);
          await vault.delete(id);
          ctx.io.out(ctx.json ? JSON.stringify({ ok: true }) : `Deleted credential "${id}".`);
          return 0;
        }
        default:
          throw new UsageError(action === undefined ? 'Say what to do: list, types, set, connect or delete.' : `Unknown action "${action}": use list, types, set, connect or delete.`);
      }
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      // The vault's errors carry a hint (e.g. how to unlock a keychain); print it, not just the message.
      ctx.io.err(ctx.json ? JSON.stringify({ error: error.toInfo() }, null, 2) : `${error.message}${error.hint ? `\n${error.hint}` : ''}`);
      return error.code === 'CREDENTIAL_NOT_FOUND' ? 2 : 1;
    }
  },
};

/** All of stdin when it is piped (a trailing newline dropped), else a prompt that does not echo. */
export async function readSecret(prompt: string): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) {
    const chunks: Buffer[] = [];
    for await (const chunk of stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
  }
  return new Promise((resolve, reject) => {
    process.stderr.write(prompt);
    let value = '';
    stdin.setRawMode(true);
    stdin.resume();
    stdin.setEncoding('utf8');
    const done = (result: string | Error) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onData);
      process.stderr.write('\n');
      if (result instanceof Error) reject(result);
      else resolve(result);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') return done(value);
        if (ch === '\u0003') return done(new UsageError('Cancelled; nothing was stored.'));
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else value += ch;
      }
    };
    stdin.on('data', onData);
  });
}
