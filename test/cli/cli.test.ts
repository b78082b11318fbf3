/**
 * The `flowkeeper` command: output, exit codes (0 ok, 1 failed, 2 invalid input, 3 needs a
 * decision) and data-folder resolution. Most tests call main() in-process; one spawns the real bin.
 */
import { spawnSync } from 'node:child_process';
import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { tempDir } from '../helpers/engine.ts';
import { json, startServer, type TestServer } from '../helpers/http-server.ts';

const BIN = join(import.meta.dirname, '..', '..', 'cli', 'bin.js');

let dir: string;
let cleanup: () => Promise<void>;
let server: TestServer;
let data: string;

const cli = (...argv: string[]) => runCli(argv);

function flowJson(nodes: unknown[], edges: unknown[], extra: Record<string, unknown> = {}) {
  return JSON.stringify({ format: 'flowkeeper/flow', formatVersion: 1, id: 'cli-flow', name: 'CLI flow', nodes, edges, ...extra }, null, 2);
}

let goodFlow: string;
let failingFlow: string;

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
  data = join(dir, 'data');
  server = await startServer((req, res) => (req.url === '/ok' ? json(res, 200, { hello: 'world' }) : json(res, 500, { error: 'boom' })));
  goodFlow = join(dir, 'good.json');
  await writeFile(
    goodFlow,
    flowJson(
      [
        { id: 'start', type: 'trigger.manual', config: { fields: [{ name: 'who', type: 'text', required: true }] } },
        { id: 'greet', type: 'transform.set', config: { fields: [{ name: 'greeting', value: 'Hello {{ who }}' }] } },
        { id: 'call', type: 'http.request', config: { url: `${server.url}/ok`, output: 'full' } },
      ],
      [
        { source: 'start', target: 'greet' },
        { source: 'greet', target: 'call' },
      ],
    ),
  );
  failingFlow = join(dir, 'failing.json');
  await writeFile(
    failingFlow,
    flowJson(
      [
        { id: 'start', type: 'trigger.manual' },
        { id: 'call', type: 'http.request', name: 'Call the API', config: { url: `${server.url}/broken` }, retry: { maxAttempts: 1 } },
      ],
      [{ source: 'start', target: 'call' }],
    ),
  );
});

afterAll(async () => {
  await server.close();
  await cleanup();
});

describe('flowkeeper validate', () => {
  it('accepts a valid flow', async () => {
    const r = await cli('validate', goodFlow);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/is a valid flow \("CLI flow", 3 nodes\)/);
  });

  it('lists every problem with its path and exits 2', async () => {
    const bad = join(dir, 'bad.json');
    await writeFile(
      bad,
      flowJson(
        [
          { id: 'start', type: 'trigger.manual' },
          { id: 'call', type: 'http.requst', config: {} },
        ],
        [{ source: 'start', target: 'ghost' }],
      ),
    );
    const r = await cli('validate', bad);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/nodes\[1\]\.type: Unknown node type "http.requst" — did you mean "http.request"\?/);
    expect(r.err).toMatch(/edges\[0\]\.target: This connection ends at node "ghost", which is not in the flow/);
    expect(r.err).toMatch(/has 2 problem\(s\)/);
    const asJson = await cli('validate', bad, '--json');
    expect(JSON.parse(asJson.out)).toMatchObject({ ok: false, problems: [{ path: 'nodes[1].type' }, { path: 'edges[0].target' }] });
  });

  it('points at the line and column of broken JSON', async () => {
    const broken = join(dir, 'broken.json');
    await writeFile(broken, '{\n  "format": "flowkeeper/flow",\n  "id": "x"\n  "name": "y"\n}');
    const r = await cli('validate', broken);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/not valid JSON at line 4, column 3/);
  });

  it('says plainly when the file is missing', async () => {
    const r = await cli('run', join(dir, 'nope.json'), '--data-dir', data);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/There is no file at this path/);
  });
});

describe('flowkeeper run', () => {
  it('runs a flow and prints runId, status, tracePath and outputs as JSON', async () => {
    const r = await cli('run', goodFlow, '--data-dir', data, '--input', '{"who":"Ada"}', '--json');
    expect(r.code).toBe(0);
    const result = JSON.parse(r.out) as { runId: string; status: string; tracePath: string; outputs: Record<string, { out: unknown[] }> };
    expect(result.status).toBe('succeeded');
    expect(result.runId).toMatch(/^run-\d{8}T\d{6}Z-[0-9a-f]{8}$/);
    expect(result.tracePath).toBe(join(data, 'runs', `${result.runId}.jsonl`));
    expect(result.outputs.call?.out[0]).toMatchObject({ status: 200, body: { hello: 'world' } });
    const trace = await readFile(result.tracePath, 'utf8');
    expect(trace.split('\n')[0]).toContain('"kind":"header"');
  });

  it('reads the input from a file with @', async () => {
    const inputFile = join(dir, 'input.json');
    await writeFile(inputFile, '{"who":"Grace"}');
    const r = await cli('run', goodFlow, '--data-dir', data, '--input', `@${inputFile}`, '--json');
    expect(r.code).toBe(0);
  });

  it('rejects input that is not JSON with an example, exit 2', async () => {
    const r = await cli('run', goodFlow, '--data-dir', data, '--input', '{who: Ada}');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--input value is not valid JSON .*Example: --input/);
  });

  it('exits 1 when the run fails and says where and what to do', async () => {
    const r = await cli('run', failingFlow, '--data-dir', data);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/✖ failed/);
    expect(r.out).toMatch(/At node "call": .*answered 500/);
    expect(r.out).toMatch(/What to do: /);
    expect(r.err).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('fails with the start form message when a required field is missing', async () => {
    const r = await cli('run', goodFlow, '--data-dir', data, '--json');
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out).error.message).toMatch(/"who" is required/);
  });

  it('takes the data folder from FLOWKEEPER_DATA_DIR', async () => {
    const envData = join(dir, 'env-data');
    process.env.FLOWKEEPER_DATA_DIR = envData;
    try {
      const r = await cli('run', goodFlow, '--input', '{"who":"Env"}', '--json');
      expect(JSON.parse(r.out).tracePath.startsWith(envData)).toBe(true);
    } finally {
      delete process.env.FLOWKEEPER_DATA_DIR;
    }
  });
});

describe('flowkeeper runs, trace, replay, resume', () => {
  it('lists runs newest first and filters by status', async () => {
    const all = JSON.parse((await cli('runs', '--data-dir', data, '--json')).out) as { runs: Array<{ status: string; createdAt: string }> };
    expect(all.runs.length).toBeGreaterThanOrEqual(3);
    expect([...all.runs].sort((a, b) => b.createdAt.localeCompare(a.createdAt))).toEqual(all.runs);
    const failed = JSON.parse((await cli('runs', '--data-dir', data, '--status', 'failed', '--json')).out) as { runs: Array<{ status: string }> };
    expect(failed.runs.length).toBeGreaterThan(0);
    expect(failed.runs.every((r) => r.status === 'failed')).toBe(true);
    const table = await cli('runs', '--data-dir', data);
    expect(table.out).toMatch(/^RUN\s+FLOW\s+STATUS/);
  });

  it('shows a readable timeline, and notes a torn last line without failing', async () => {
    const run = JSON.parse((await cli('run', goodFlow, '--data-dir', data, '--input', '{"who":"T"}', '--json')).out) as { runId: string; tracePath: string };
    const t = await cli('trace', run.runId, '--data-dir', data, '--verbose');
    expect(t.code).toBe(0);
    expect(t.out).toMatch(/"greet" done in \d+ ms → out: 1 item/);
    expect(t.out).toMatch(/"call" http answered 200/);
    expect(t.out).toMatch(/run ✔ succeeded/);
    await appendFile(run.tracePath, '{"seq":99,"ty');
    const torn = await cli('trace', run.tracePath, '--data-dir', data);
    expect(torn.code).toBe(0);
    expect(torn.out).toMatch(/last line was cut short/);
  });

  it('quarantines a damaged trace with a clear message instead of crashing', async () => {
    const runsDir = join(data, 'runs');
    await mkdir(runsDir, { recursive: true });
    await writeFile(join(runsDir, 'run-damaged.jsonl'), 'not json at all\n{"seq":1}\n');
    const r = await cli('trace', 'run-damaged', '--data-dir', data);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/damaged .* moved to .*quarantine/);
    const list = await cli('runs', '--data-dir', data);
    expect(list.code).toBe(0);
  });

  it('replays identical (exit 0), shows a diff for a changed flow (exit 1) and forks with --from', async () => {
    const run = JSON.parse((await cli('run', goodFlow, '--data-dir', data, '--input', '{"who":"Replay"}', '--json')).out) as { runId: string };
    const same = await cli('replay', run.runId, '--data-dir', data);
    expect(same.code).toBe(0);
    expect(same.out).toMatch(/^identical/);

    const changed = join(dir, 'changed.json');
    await writeFile(changed, (await readFile(goodFlow, 'utf8')).replace('Hello {{ who }}', 'Hi {{ who }}'));
    const diff = await cli('replay', run.runId, '--data-dir', data, '--flow', changed);
    expect(diff.code).toBe(1);
    expect(diff.out).toMatch(/Node "greet"/);
    expect(diff.out).toMatch(/outputs\.out\[0\]\.greeting: "Hello Replay" → "Hi Replay"/);

    const fork = await cli('replay', run.runId, '--data-dir', data, '--flow', changed, '--from', 'greet', '--json');
    expect(fork.code).toBe(0);
    const forked = JSON.parse(fork.out) as { runId: string; status: string };
    expect(forked.runId).not.toBe(run.runId);
    const header = JSON.parse((await readFile(join(data, 'runs', `${forked.runId}.jsonl`), 'utf8')).split('\n')[0]!) as { parentRunId: string };
    expect(header.parentRunId).toBe(run.runId);
  });

  it('resume with nothing to do says so', async () => {
    const r = await cli('resume', '--data-dir', join(dir, 'empty-data'));
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/No interrupted runs/);
  });

  it('rejects unknown commands, options and choices with exit 2', async () => {
    expect((await cli('frobnicate')).code).toBe(2);
    const badOpt = await cli('runs', '--colour');
    expect(badOpt.code).toBe(2);
    expect(badOpt.err).toMatch(/Unknown option '--colour'/);
    const badChoice = await cli('resume', 'run-x', '--choice', 'maybe');
    expect(badChoice.code).toBe(2);
    expect(badChoice.err).toMatch(/send-again, skip-item, cancel/);
  });
});

describe('the installed bin', () => {
  it('runs as a real process with help and exit codes', () => {
    const help = spawnSync(process.execPath, [BIN, '--help'], { encoding: 'utf8' });
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/Usage: flowkeeper <command>/);
    const missing = spawnSync(process.execPath, [BIN, 'validate'], { encoding: 'utf8' });
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/Missing the flow file to check/);
  });
});
