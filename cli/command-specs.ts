/**
 * Every command's name, arguments, options and help text, without its code: `flowkeeper --help`
 * and option parsing need only this file, so a start that prints help loads no engine, no zod
 * schemas, no expression language and no server (issue 8 item 8). The code is in commands.ts.
 */
import type { ParseArgsConfig } from 'node:util';
import { ATTENTION_CHOICES } from '../engine/runner/attention-choices.ts';
import { DEFAULT_PORT } from './default-port.ts';

export const EXIT = { ok: 0, failed: 1, invalid: 2, attention: 3 } as const;

export interface CommandSpec {
  args: string;
  summary: string;
  options?: ParseArgsConfig['options'];
  help?: Record<string, string>;
}

export const specs = {
  validate: {
    args: '<flow.json>',
    summary: 'Check a flow file and list every problem with where it is.',
  },
  run: {
    args: '<flow.json>',
    summary: 'Run a flow now and record its trace.',
    options: { input: { type: 'string' }, durable: { type: 'boolean', default: false }, 'dev-cache': { type: 'boolean', default: false }, quiet: { type: 'boolean', short: 'q', default: false }, demo: { type: 'string' }, reference: { type: 'string' } },
    help: {
      '--input <json|@file>': 'the run input, as JSON text or @path/to/input.json (with --demo: default the recording\'s input)',
      '--demo <runId|bundle>': 'a demo: every outside call answered from that recorded run (a run or reference run of this flow, or a hand-over bundle file); nothing is sent, no credential is read',
      '--reference <runId>': 'with --demo <bundle>: which of its reference runs (default the first)',
      '--durable': 'sync the trace to disk after every batch of events (slower, safest)',
      '--dev-cache': 'while building a flow: re-use AI answers for the same model, prompt and settings (stored in <data-dir>/cache) instead of paying again',
      '-q, --quiet': 'no progress lines',
      '--json': 'print { runId, status, tracePath, outputs } as JSON',
    },
  },
  resume: {
    args: '[runId]',
    summary: 'Continue runs that were interrupted, or answer a run that needs a decision.',
    options: { choice: { type: 'string' }, by: { type: 'string' }, quiet: { type: 'boolean', short: 'q', default: false } },
    help: {
      '--choice <choice>': `answer for a run waiting on a decision: ${ATTENTION_CHOICES.join(', ')}`,
      '--by <name>': 'who made the decision (recorded in the trace)',
    },
  },
  replay: {
    args: '<runId|trace.jsonl>',
    summary: 'Re-execute a recorded run offline and show whether it comes out identical.',
    options: { from: { type: 'string' }, flow: { type: 'string' }, quiet: { type: 'boolean', short: 'q', default: false } },
    help: {
      '--flow <flow.json>': 'replay with this (changed) flow instead of the recorded one',
      '--from <nodeId>': 'fork: keep recorded results before this node, run it and what follows live, as a new run',
    },
  },
  runs: {
    args: '',
    summary: 'List runs, newest first.',
    options: { status: { type: 'string' }, flow: { type: 'string' }, limit: { type: 'string' } },
    help: {
      '--status <status>': 'only runs with this status: succeeded, failed, cancelled, needs-attention, paused (waiting for a review), running',
      '--flow <flowId>': 'only runs of this flow',
      '--limit <n>': 'at most n runs (default 50)',
    },
  },
  serve: {
    args: '',
    summary: 'Open the app in a browser on this computer (the web bridge), backed by the same engine.',
    options: { port: { type: 'string' }, host: { type: 'string' }, open: { type: 'boolean', default: false }, 'new-key': { type: 'boolean', default: false }, 'static-dir': { type: 'string' } },
    help: {
      '--new-key': 'replace the access key: links with the old key stop working (the key otherwise stays the same for this data folder)',
      '--port <n>': `port to listen on (default ${DEFAULT_PORT}; 0 picks a free one)`,
      '--host <address>': 'listen on another address than 127.0.0.1 — anyone who can reach it and has the link can use Flowkeeper',
      '--open': 'open the link in the default browser',
    },
  },
  credentials: {
    args: 'list | types | set | connect <name> | delete <name>',
    summary: 'List, add or replace, and delete credentials (values go to the OS keychain).',
    options: {
      name: { type: 'string' },
      type: { type: 'string' },
      label: { type: 'string' },
      field: { type: 'string', multiple: true },
      'secret-field': { type: 'string' },
    },
    help: {
      list: 'the stored credentials: name, type, field names (never values)',
      // The known types are listed by `credentials types`: the help loads no engine code.
      types: 'the known credential types and the fields each needs',
      'set --name <name> --type <type>': 'stores a credential; the secret is read from stdin or asked for without echo',
      '--field <name=value>': 'another (non-secret) field, e.g. --field username=ana; repeat for more',
      '--secret-field <name>': 'which field the secret goes to (default: the type\'s, e.g. token for http.bearer)',
      '--label <text>': 'a description shown in the app',
      'connect <name>': 'signs an OAuth2 credential (oauth2.authorization-code) in: prints the provider\'s sign-in address and waits for the browser to come back',
      'delete <name>': 'removes the credential from the keychain and the list',
    },
  },
  flows: {
    args: 'import <flow.json> [--overwrite] | activate <flowId> [--version N] | deactivate <flowId> | status | versions <flowId> | diff <flowId> <from> <to> | rollback <flowId> <version>',
    summary: 'Save a flow file into the data folder, switch a saved flow on (its triggers fire by themselves) or off, list the flows that are on, and look after its versions: list, compare, roll back.',
    options: { version: { type: 'string' }, message: { type: 'string', short: 'm' }, by: { type: 'string' }, overwrite: { type: 'boolean' } },
    help: {
      'import <flow.json>': 'save a flow file in the data folder (checked first: nothing is saved when it has problems); it stays off until you activate it',
      '--overwrite': 'import: a flow with the same id becomes the next version of that flow',
      'activate <flowId>': 'switch on: its triggers fire while the desktop app or "flowkeeper serve" runs on this data folder; it follows each new save',
      '--version <N>': 'activate: switch on this saved version; later saves change nothing until you switch it on again',
      'deactivate <flowId>': 'switch off: its triggers stop (runs in progress continue)',
      status: 'the flows that are on, and which version runs',
      'versions <flowId>': 'every saved version, newest first: when, who, their message and what changed',
      'diff <flowId> <from> <to>': 'what changed between two versions, in plain words',
      'rollback <flowId> <version>': 'save the content of that version as a new version (history is kept)',
      '-m, --message <text>': 'import, rollback: why, kept with the new version',
      '--by <name>': 'import, rollback: who does it (default: the name in settings)',
    },
  },
  status: {
    args: '',
    summary: 'One line per flow: switched on or off, ready or what is missing, owner, runs today, and the success metric against its target.',
    options: { flow: { type: 'string' } },
    help: {
      '--flow <flowId>': 'only this flow',
      '--json': 'the headlines as JSON (the API\'s charter.status)',
    },
  },
  inbox: {
    args: 'list | show <id> | decide <id>',
    summary: 'Items waiting for a review: list them, show one, decide one.',
    options: {
      flow: { type: 'string' },
      assignee: { type: 'string' },
      outcome: { type: 'string' },
      set: { type: 'string', multiple: true },
      comment: { type: 'string' },
      by: { type: 'string' },
    },
    help: {
      'list [--flow <id>] [--assignee <name>]': 'open items, soonest due first (--json for the API\'s shape)',
      'show <id>': 'one item: text, fields, the AI answer, decisions so far',
      'decide <id> --outcome <outcome>': 'approve, reject or a custom outcome of the step',
      '--set <field=value>': 'correct a field before approving (repeat for more fields)',
      '--comment <text>': 'why (required for reject unless the step says otherwise)',
      '--by <name>': 'who decides (default: the reviewer name in the settings, else $USER)',
    },
  },
  alerts: {
    args: '',
    summary: 'Open alerts of your flows (one per problem, with how often and since when), recently cleared ones, and messages that could not be sent.',
    help: { '--json': "print the API's alerts.list answer as JSON" },
  },
  reviewers: {
    args: 'add <name> [--group g] | list | remove <name>',
    summary: 'People who review on the web bridge, each with their own link that opens only their inbox.',
    options: { group: { type: 'string' }, port: { type: 'string' }, host: { type: 'string' } },
    help: {
      '--group <group>': 'add: the group they belong to (items assigned to the group are theirs too)',
      '--port <n>': `add: the port "flowkeeper serve" uses, for the printed link (default ${DEFAULT_PORT})`,
      '--host <address>': 'add: the address "flowkeeper serve --host" uses, for the printed link',
    },
  },
  export: {
    args: '<flowId>',
    summary: 'Write a flow\'s hand-over bundle: the flow and its charter, the credentials it needs (never values), reference runs with secrets removed, and the runbook.',
    options: { version: { type: 'string' }, runs: { type: 'string' }, mask: { type: 'string' }, out: { type: 'string' }, runbook: { type: 'string' } },
    help: {
      '--runs <id,id>': 'finished runs of the flow to include as reference runs (flowkeeper runs --flow <flowId> lists them)',
      '--mask <field,field>': 'personal data to mask in those runs, by field, e.g. email,customer.name (each value becomes «masked n», the same value the same mask)',
      '--out <file.fkbundle>': 'where to write it (default <flowId>-v<version>.fkbundle here; a name ending in .gz is gzipped)',
      '--runbook <out.md|out.html>': 'also write the runbook alone: Markdown, or a page to open in a browser',
      '--version <n>': 'a saved version of the flow (default the latest)',
      '--json': 'print what was written, the credentials and the warnings as JSON',
    },
  },
  import: {
    args: '<bundle.fkbundle>',
    summary: 'Take over a flow from a hand-over bundle: link each credential it needs to one of yours (you choose, nothing is linked by itself), replay its reference runs offline as acceptance tests, and become its owner. It stays switched off until you switch it on.',
    options: {
      credential: { type: 'string', multiple: true },
      'create-credential': { type: 'string', multiple: true },
      field: { type: 'string', multiple: true },
      'owner-name': { type: 'string' },
      'owner-email': { type: 'string' },
      'backup-name': { type: 'string' },
      'backup-email': { type: 'string' },
      as: { type: 'string' },
      replace: { type: 'boolean', default: false },
      'alert-webhook-url': { type: 'string' },
      'accept-differences': { type: 'boolean', default: false },
      'check-only': { type: 'boolean', default: false },
      by: { type: 'string' },
    },
    help: {
      '--credential <needed>=<yours>': 'use your credential <yours> (same type) where the flow needs <needed>; repeat for each one (run without it to see what is needed and what you have)',
      '--create-credential <needed>[=<name>]': 'create a new credential for <needed> in this computer\'s keychain (named <needed> unless you give a name); its secret is read from stdin or asked for without echo, never an argument',
      '--field <needed>.<field>=<value>': 'another (non-secret) field of a new credential, e.g. --field mail.username=ana',
      '--owner-name <name> --owner-email <address>': 'you, taking ownership: the flow\'s charter changes hands (recorded)',
      '--backup-name <name> --backup-email <address>': 'a new backup owner (default: the bundle\'s stays)',
      '--as <new-flow-id>': 'import as a new flow with this id (when a flow with the bundle\'s id exists here)',
      '--replace': 'import as a new version of the flow with the same id (its history is kept)',
      '--alert-webhook-url <address>': 'where alerts go, when the bundle left the webhook address out (a Slack address is a secret)',
      '--accept-differences': 'import even though a reference run replays differently from its recording',
      '--check-only': 'only show what the bundle needs and replay its reference runs; nothing is stored',
      '--by <name>': 'who imports (the version\'s author; default the name in settings)',
      '--json': 'print the result as JSON',
    },
  },
  drift: {
    args: 'check <flowId> | status <flowId>',
    summary: 'Check a flow for drift: its reference runs re-run in shadow (reads live, writes and AI calls answered from the recording) and compared by readable rules.',
    help: {
      'check <flowId>': 'check now and print what changed (exit 1 when drift is found, 2 when the check could not run)',
      'status <flowId>': 'the drift schedule, the next check and the last checks',
      '--json': "print the API's drift.check / drift.status answer as JSON",
    },
  },
  demo: {
    args: '<bundle.fkbundle>',
    summary: 'Demo a hand-over bundle\'s flow offline: every outside call answered from its recorded run, nothing sent, no credentials needed, nothing imported.',
    options: { reference: { type: 'string' }, input: { type: 'string' }, quiet: { type: 'boolean', short: 'q', default: false } },
    help: {
      '--reference <runId>': 'which of the bundle\'s reference runs answers (default the first)',
      '--input <json|@file>': 'another input (default the recording\'s); calls the recording lacks are reported, never sent',
      '-q, --quiet': 'no progress lines',
      '--json': 'print { demo, runId, status, tracePath, outputs } as JSON',
    },
  },
  verify: {
    args: '<runId|all>',
    summary: 'Check that run traces are intact: every line against its chained hash, the flow against its hash.',
  },
  trace: {
    args: '<runId|trace.jsonl>',
    summary: 'Show what happened in a run, step by step.',
    options: { verbose: { type: 'boolean', short: 'v', default: false } },
    help: { '-v, --verbose': 'also show each call to the outside world' },
  },
} satisfies Record<string, CommandSpec>;

export type CommandName = keyof typeof specs;

export function commandUsage(name: string, command: CommandSpec): string {
  const opts = Object.entries(command.help ?? {}).map(([flag, text]) => `  ${flag.padEnd(28)} ${text}`);
  return [`Usage: flowkeeper ${name} ${command.args}`, '', command.summary, ...(opts.length ? ['', 'Options:', ...opts] : [])].join('\n');
}
