/**
 * Regression tests for review finding 12: a secret echoed by an API must not reach the trace, the
 * RunOutcome or the CLI's --json output, in whole or in part. The interesting case is an error
 * body cut to 200 characters right through the echoed secret: the cut part is no longer the
 * secret, so the trace redactor cannot recognise it any more.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../../cli/main.ts';
import { Engine, EnvSecretResolver, FileTraceStore, type RunOutcome } from '../../engine/index.ts';
import { makeFlow, registry, tempDir } from '../helpers/engine.ts';
import { json, serveDuringTest, type Handler } from '../helpers/http-server.ts';

const TOKEN = 'sk_live_4f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c';
const USERNAME = 'alice';
const PASSWORD = 'correct-horse-battery-staple-9000';

let cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(cleanups.map((c) => c()));
  cleanups = [];
});

/** Every 8-character piece of the secret that appears in the text (none is the goal). */
function piecesOf(secret: string, text: string): string[] {
  const found: string[] = [];
  for (let i = 0; i + 8 <= secret.length; i++) if (text.includes(secret.slice(i, i + 8))) found.push(secret.slice(i, i + 8));
  return found;
}

async function run(url: string, auth: Record<string, unknown>, credential: Record<string, string>): Promise<{ outcome: RunOutcome; trace: string }> {
  const { dir, cleanup } = await tempDir();
  cleanups.push(cleanup);
  const store = new FileTraceStore(dir);
  const engine = new Engine({
    store,
    registry,
    secrets: new EnvSecretResolver({ FLOWKEEPER_CREDENTIAL_API: JSON.stringify(credential) }),
  });
  const flow = makeFlow([{ id: 'start', type: 'trigger.manual' }, { id: 'call', type: 'http.request', config: { url, credential: 'api', ...auth } }], ['start -> call']);
  const outcome = await engine.startRun(flow);
  return { outcome, trace: await readFile(store.locate(outcome.runId), 'utf8') };
}

/** Answers 401 with `padding` x's, a space and the request's Authorization header value. */
const echoAuthorization = (padding: number): Handler => (req, res) => {
  res.writeHead(401, { 'content-type': 'text/plain' });
  res.end(`${'x'.repeat(padding)} ${String(req.headers.authorization)}`);
};

describe('finding 12: echoed secrets', () => {
  it('a bearer token echoed where the 200-character cut splits it leaves no part of it in the trace or the outcome', async () => {
    // "Bearer " is 7 characters: the cut at 200 falls 14 characters into the token.
    const server = await serveDuringTest(echoAuthorization(178));
    const { outcome, trace } = await run(`${server.url}/v1/charges`, { auth: 'bearer' }, { token: TOKEN });
    expect(outcome.status).toBe('failed');
    expect(outcome.error?.message).toMatch(/answered 401 Unauthorized: x+ Bearer \[redacted\]/);
    expect(piecesOf(TOKEN, trace)).toEqual([]);
    expect(piecesOf(TOKEN, JSON.stringify(outcome))).toEqual([]);
  });

  it('the RunOutcome holds no secret echoed in an error message or in an answer', async () => {
    const server = await serveDuringTest((req, res) => {
      const token = String(req.headers.authorization).slice('Bearer '.length);
      if (req.url === '/error') return json(res, 401, { error: { message: `Invalid API Key provided: ${token}` } });
      json(res, 200, { you: 'are signed in', key: token });
    });
    const failed = await run(`${server.url}/error`, { auth: 'bearer' }, { token: TOKEN });
    expect(failed.outcome.status).toBe('failed');
    expect(failed.outcome.error?.message).toMatch(/Invalid API Key provided: \[redacted\]/);
    expect(JSON.stringify(failed.outcome)).not.toContain(TOKEN);
    expect(failed.trace).not.toContain(TOKEN);

    const ok = await run(`${server.url}/ok`, { auth: 'bearer' }, { token: TOKEN });
    expect(ok.outcome.status).toBe('succeeded');
    expect(ok.outcome.outputs.call?.out).toEqual([{ you: 'are signed in', key: '[redacted]' }]);
    expect(JSON.stringify(ok.outcome)).not.toContain(TOKEN);
    expect(ok.trace).not.toContain(TOKEN);
  });

  it('the CLI\'s --json output holds no secret', async () => {
    const server = await serveDuringTest(echoAuthorization(178));
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    const flowFile = join(dir, 'flow.json');
    await writeFile(
      flowFile,
      JSON.stringify({
        format: 'flowkeeper/flow',
        formatVersion: 1,
        id: 'echo',
        name: 'Echo',
        nodes: [
          { id: 'start', type: 'trigger.manual', config: {} },
          { id: 'call', type: 'http.request', config: { url: `${server.url}/v1/charges`, auth: 'bearer', credential: 'cli-api' } },
        ],
        edges: [{ source: 'start', target: 'call' }],
      }),
    );
    const variable = 'FLOWKEEPER_CREDENTIAL_CLI_API';
    process.env[variable] = JSON.stringify({ token: TOKEN });
    let out = '';
    let err = '';
    try {
      const code = await main(['run', flowFile, '--data-dir', join(dir, 'data'), '--json'], { out: (s) => (out += s), err: (s) => (err += s) });
      expect(code).toBe(1);
    } finally {
      delete process.env[variable];
    }
    const printed = JSON.parse(out) as { status: string; error: { message: string } };
    expect(printed.status).toBe('failed');
    expect(printed.error.message).toMatch(/Bearer \[redacted\]/);
    expect(piecesOf(TOKEN, out + err)).toEqual([]);
  });

  it('a basic-auth header echoed where the cut splits it leaves no part of the password\'s encoding in the trace', async () => {
    const server = await serveDuringTest(echoAuthorization(171));
    const { outcome, trace } = await run(`${server.url}/v1/charges`, { auth: 'basic' }, { username: USERNAME, password: PASSWORD });
    expect(outcome.status).toBe('failed');
    const encoded = Buffer.from(`${USERNAME}:${PASSWORD}`).toString('base64');
    // The first 8 characters encode "alice:" only; everything after encodes the password.
    expect(piecesOf(encoded.slice(8), trace)).toEqual([]);
    expect(piecesOf(encoded.slice(8), JSON.stringify(outcome))).toEqual([]);
  });
});
