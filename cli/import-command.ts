/**
 * `flowkeeper import <bundle>`: takes over a flow from a hand-over bundle (engine/handover/
 * import-*.ts) — each credential it needs linked by a flag (never silently), the reference runs
 * replayed offline as acceptance tests, the charter handed to the new owner. Reads and writes the
 * data folder directly (like `export`); switching the flow on stays `flowkeeper flows activate`.
 *
 * A new credential's secret is never an argument (shell history, process list): it is read from
 * stdin when piped, else from a prompt without echo, as `flowkeeper credentials set` does.
 */
import { readFile } from 'node:fs/promises';
import { ActiveFlows, ApiError, dataDirStores, resolveDataDir } from '../engine/index.ts';
import { handoverAcceptance, importHandover, openHandover, useText, type ImportDeps } from '../engine/handover/index.ts';
import { missingFields, secretFieldOf } from '../engine/model/credential-types.ts';
import type { Acceptance, CredentialMapping, HandoverPreview } from '../engine/model/handover-import.ts';
import type { Command } from './commands.ts';
import { EXIT, specs } from './command-specs.ts';
import { readSecret, type SecretReader } from './credential-commands.ts';
import { registry, UsageError, type Io } from './context.ts';
import { unreadableFileWhy } from './unreadable-file.ts';

const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

function pairs(raw: unknown, flag: string): Array<[string, string | undefined]> {
  const out: Array<[string, string | undefined]> = [];
  for (const text of (raw as string[] | undefined) ?? []) {
    const at = text.indexOf('=');
    const key = at < 0 ? text : text.slice(0, at);
    const value = at < 0 ? undefined : text.slice(at + 1);
    if (key === '') throw new UsageError(`${flag} "${text}": start with the name of the credential the bundle needs, e.g. ${flag} shop-api${flag === '--credential' ? '=my-shop' : ''}.`);
    out.push([key, value]);
  }
  return out;
}

function acceptanceText(acceptance: Acceptance): string[] {
  if (acceptance.results.length === 0) return ['Acceptance replay: the bundle has no reference runs, so nothing was replayed.'];
  const passed = acceptance.results.filter((r) => r.passed).length;
  const lines = [`Acceptance replay (offline, answered from the recordings): ${passed} of ${acceptance.results.length} reference runs passed.`];
  for (const result of acceptance.results) for (const [i, line] of result.lines.entries()) lines.push(`${i === 0 ? '  ' : '    '}${line}`);
  return lines;
}

function requirementsText(preview: HandoverPreview, mapped: ReadonlySet<string>): string[] {
  const lines: string[] = [];
  for (const r of preview.credentials.filter((c) => !mapped.has(c.id))) {
    lines.push(`  ${r.id}: ${r.type === '' ? 'a credential of a type the bundle does not name (ask the person who handed it over)' : `${r.typeTitle} (${r.type})`}, used by ${r.usedBy.map(useText).join(', ')}`);
    if (r.candidates.length > 0) {
      lines.push(`    same-type credentials on this computer: ${r.candidates.map((c) => `${c.id}${c.label ? ` (${c.label})` : ''}`).join(', ')}`);
      for (const c of r.candidates) lines.push(`    to use ${c.id}:  --credential ${r.id}=${c.id}`);
    } else {
      lines.push('    no credential of that type on this computer');
    }
    lines.push(`    to create a new one in this computer's keychain:  --create-credential ${r.id}${r.type !== '' && r.candidates.some((c) => c.id === r.id) ? `=<new-name>` : ''}`);
  }
  return lines;
}

/**
 * Piped input carries one secret (read to its end), so several new credentials cannot all get
 * theirs from it. Said as a limit of the pipe — "holds one secret" read as a claim about what was
 * piped, also when nothing was — with both ways out.
 */
export function pipedSecretsProblem(requirements: string[]): string {
  return `Piped input can carry only one secret, but ${requirements.length} new credentials need one (${requirements.join(', ')}). Create all but one first with flowkeeper credentials set --name <name> --type <type> (its secret piped in) and pass each with --credential <needed>=<name>, or run flowkeeper import in a terminal, where it asks for each secret without echo.`;
}

export const importCommand: Command = {
  ...specs.import,
  async run(ctx) {
    const [file, extra] = ctx.positionals;
    if (file === undefined) throw new UsageError('Name the hand-over bundle to import: flowkeeper import <file.fkbundle>.');
    if (extra !== undefined) throw new UsageError(`Unexpected argument "${extra}". Map credentials with --credential <needed>=<yours>.`);
    let bytes: Buffer;
    try {
      bytes = await readFile(file);
    } catch (error) {
      throw new UsageError(`Could not read the bundle ${file}: ${unreadableFileWhy(error)}.`);
    }
    const asId = ctx.values.as as string | undefined;
    const replace = ctx.values.replace === true;
    if (asId !== undefined && replace) throw new UsageError('Choose one: --as <new-flow-id> (a new flow) or --replace (a new version of the flow with the same id).');
    const checkOnly = ctx.values['check-only'] === true;

    const data = dataDirStores(resolveDataDir(ctx.values['data-dir'] as string | undefined), { catalog: registry });
    const active = new ActiveFlows(data.layout.triggers);
    const deps: ImportDeps = {
      flows: data.flows,
      vault: data.vault,
      references: data.references,
      activeFlowIds: async () => new Set(Object.keys(await active.read())),
      registry,
      now: () => Date.now(),
      defaultAuthor: async () => (await data.settings.read()).reviewerName,
    };
    const source = { base64: bytes.toString('base64') };
    const say = (text: string) => ctx.io.out(text);
    const fail = (error: ApiError, code: number) => {
      ctx.io.err(ctx.json ? JSON.stringify({ error: error.toInfo() }, null, 2) : `${error.message}${error.hint ? `\n${error.hint}` : ''}`);
      return code;
    };

    let preview: HandoverPreview;
    try {
      preview = await openHandover({ ...deps, catalog: registry }, source);
    } catch (error) {
      if (error instanceof ApiError) return fail(error, EXIT.invalid);
      throw error;
    }

    // The mapping, from the flags: every requirement by name, nothing guessed.
    const needed = new Map(preview.credentials.map((r) => [r.id, r]));
    const mappings: Record<string, CredentialMapping> = {};
    const creating: Array<{ requirement: string; id: string; type: string }> = [];
    const unknownName = (name: string, flag: string) =>
      new UsageError(`${flag} ${name}: the bundle needs no credential “${name}”. ${needed.size > 0 ? `It needs: ${[...needed.keys()].join(', ')}.` : 'It needs none.'}`);
    for (const [requirement, existing] of pairs(ctx.values.credential, '--credential')) {
      if (!needed.has(requirement)) throw unknownName(requirement, '--credential');
      if (existing === undefined || existing === '') throw new UsageError(`--credential ${requirement}: say which credential of this computer to use, e.g. --credential ${requirement}=<name> (flowkeeper credentials list shows them).`);
      if (mappings[requirement]) throw new UsageError(`“${requirement}” is mapped twice: give one --credential or --create-credential for it.`);
      mappings[requirement] = { use: existing };
    }
    for (const [requirement, newId] of pairs(ctx.values['create-credential'], '--create-credential')) {
      const r = needed.get(requirement);
      if (!r) throw unknownName(requirement, '--create-credential');
      if (mappings[requirement]) throw new UsageError(`“${requirement}” is mapped twice: give one --credential or --create-credential for it.`);
      const id = newId === undefined || newId === '' ? requirement : newId;
      if (!ID_PATTERN.test(id) || id.length > 100) throw new UsageError(`--create-credential ${requirement}=${id}: “${id}” is not a usable name: use letters, digits, "-", "_" and ".", starting with a letter or digit.`);
      if (r.type === '') throw new UsageError(`The bundle does not say which type “${requirement}” is, so it cannot be created here: create it with flowkeeper credentials set --name ${id} --type <type> (ask the person who handed it over), then pass --credential ${requirement}=${id}.`);
      creating.push({ requirement, id, type: r.type });
      mappings[requirement] = { create: { id, label: `For “${preview.flow.name}” (hand-over)`, values: {} } };
    }
    // Non-secret fields of new credentials: --field <needed>.<field>=<value>.
    const fields = new Map<string, Record<string, string>>();
    for (const [key, value] of pairs(ctx.values.field, '--field')) {
      const dot = key.indexOf('.');
      const requirement = dot < 0 ? '' : key.slice(0, dot);
      const name = dot < 0 ? '' : key.slice(dot + 1);
      if (requirement === '' || name === '' || value === undefined) throw new UsageError(`--field "${key}": write it as <needed-credential>.<field>=<value>, e.g. --field smtp-out.username=ana.`);
      const made = creating.find((c) => c.requirement === requirement);
      if (!made) throw new UsageError(`--field ${key}=…: “${requirement}” is not being created (add --create-credential ${requirement}).`);
      if (name === secretFieldOf(made.type)) throw new UsageError(`--field ${key}=… would put the secret on the command line; leave it out and pipe it to stdin or type it at the prompt.`);
      fields.set(requirement, { ...(fields.get(requirement) ?? {}), [name]: value });
    }

    if (checkOnly) {
      say(`The bundle holds “${preview.flow.name}” (${preview.flow.id}, version ${preview.flow.version}, ${preview.flow.steps} steps), made ${preview.createdAt.slice(0, 10)}; owner ${preview.charter.owner.name || 'nobody'}.`);
      if (preview.credentials.length > 0) {
        say('Credentials it needs:');
        say(requirementsText(preview, new Set(Object.keys(mappings))).join('\n') || '  (all mapped by your flags)');
      }
      for (const r of preview.reenter) say(`To enter again: ${r.message}`);
      for (const w of preview.warnings) say(`Note: ${w}`);
      const acceptance = await handoverAcceptance(deps, { ...source, credentials: mappings });
      if (ctx.json) ctx.io.out(JSON.stringify({ preview: { ...preview, flowDocument: undefined, runbook: undefined }, acceptance }, null, 2));
      else say(acceptanceText(acceptance).join('\n'));
      return acceptance.passed ? EXIT.ok : EXIT.failed;
    }

    // Everything the person must still say, at once, each with the flag that says it.
    const missing: string[] = [];
    const unmapped = preview.credentials.filter((r) => mappings[r.id] === undefined);
    if (unmapped.length > 0) missing.push(`Say which credential to use for ${unmapped.length === 1 ? 'the credential the flow needs' : `each of the ${unmapped.length} credentials the flow needs`} (nothing is linked without asking):\n${requirementsText(preview, new Set(Object.keys(mappings))).join('\n')}`);
    const ownerName = (ctx.values['owner-name'] as string | undefined)?.trim();
    const ownerEmail = (ctx.values['owner-email'] as string | undefined)?.trim();
    if (!ownerName || !ownerEmail) missing.push(`Who takes ownership (now: ${preview.charter.owner.name || 'nobody'}): --owner-name "<your name>" --owner-email <you@example.com>`);
    if (preview.existing && asId === undefined && !replace) {
      missing.push(`A flow “${preview.existing.name}” with the id ${preview.existing.id} already exists here: --replace (import as its new version, history kept) or --as <new-flow-id>.`);
    }
    const webhook = preview.reenter.find((r) => r.kind === 'alert-webhook-url');
    const webhookUrl = ctx.values['alert-webhook-url'] as string | undefined;
    if (webhook && !webhookUrl) missing.push(`${webhook.message}\n  --alert-webhook-url <https://…>`);
    const backupName = ctx.values['backup-name'] as string | undefined;
    const backupEmail = ctx.values['backup-email'] as string | undefined;
    if ((backupName === undefined) !== (backupEmail === undefined)) missing.push('Give both --backup-name and --backup-email for a new backup owner (or neither to keep the bundle\'s).');
    if (missing.length > 0) {
      ctx.io.err(`Nothing was imported yet.\n\n${missing.join('\n\n')}`);
      return EXIT.invalid;
    }

    // Secrets of new credentials, last: only once everything else is known to be complete.
    const read = (ctx.io as Io & { readSecret?: SecretReader }).readSecret ?? readSecret;
    const needSecret = creating.filter((c) => secretFieldOf(c.type) !== undefined);
    if (needSecret.length > 1 && !process.stdin.isTTY && (ctx.io as Io & { readSecret?: SecretReader }).readSecret === undefined) {
      throw new UsageError(pipedSecretsProblem(needSecret.map((c) => c.requirement)));
    }
    for (const c of creating) {
      const values = { ...(fields.get(c.requirement) ?? {}) };
      const secretField = secretFieldOf(c.type);
      const absent = missingFields(c.type, values, secretField ? [secretField] : []);
      if (absent.length > 0) {
        throw new UsageError(`The new credential for “${c.requirement}” (${c.type}) needs ${absent.map((f) => `"${f.name}" (${f.label})`).join(', ')}: add ${absent.map((f) => `--field ${c.requirement}.${f.name}=<value>`).join(' ')}.`);
      }
      if (secretField) {
        const secret = await read(`${secretField} for the new credential ${c.id} (needed as ${c.requirement}): `);
        if (secret === '') throw new UsageError(`No ${secretField} was given for “${c.requirement}” (stdin was empty). Pipe it in, e.g. printf %s "$TOKEN" | flowkeeper import …`);
        values[secretField] = secret;
      }
      const mapping = mappings[c.requirement]!;
      if ('create' in mapping) mapping.create.values = values;
    }

    try {
      const result = await importHandover(deps, {
        ...source,
        credentials: mappings,
        owner: { name: ownerName!, email: ownerEmail! },
        ...(backupName !== undefined && backupEmail !== undefined ? { backup: { name: backupName, email: backupEmail } } : {}),
        ...(webhookUrl !== undefined ? { alertWebhookUrl: webhookUrl } : {}),
        ...(asId !== undefined ? { target: { newId: asId } } : replace ? { target: { replace: true as const } } : {}),
        ...(typeof ctx.values.by === 'string' ? { by: ctx.values.by } : {}),
        ...(ctx.values['accept-differences'] === true ? { acceptDifferences: true } : {}),
      });
      if (ctx.json) {
        const { flow: _flow, ...rest } = result;
        ctx.io.out(JSON.stringify(rest, null, 2));
        return EXIT.ok;
      }
      say(`Imported “${preview.flow.name}” as the flow ${result.flowId}, version ${result.version}.`);
      for (const c of result.credentials) say(`  ${c.requirementId} → ${c.credentialId}${c.created ? ' (new, stored in this computer\'s keychain)' : ' (existing)'}`);
      say(`  ${result.references.length} reference ${result.references.length === 1 ? 'run' : 'runs'} kept for replays, demos and drift checks.`);
      say(acceptanceText(result.acceptance).join('\n'));
      const { from, to } = result.handedOver;
      say(`Ownership: ${to.name} (${to.email}) took over${from.name ? ` from ${from.name}` : ''}; recorded in the charter and the version note.`);
      for (const w of result.warnings) say(`Note: ${w}`);
      if (result.readiness.ready) {
        say(`Ready to switch on. It stays off until you run: flowkeeper flows activate ${result.flowId}`);
      } else {
        say(`Not ready to switch on yet:\n${result.readiness.missing.map((m) => `  - ${m}`).join('\n')}\nComplete these (on the flow page), then: flowkeeper flows activate ${result.flowId}`);
      }
      return EXIT.ok;
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      const invalid = ['CREDENTIALS_NOT_MAPPED', 'CREDENTIAL_MAPPING_INVALID', 'FLOW_EXISTS', 'FLOW_ACTIVE', 'ALERT_WEBHOOK_URL_NEEDED', 'BAD_REQUEST', 'INVALID_ARGUMENTS', 'FLOW_INVALID', 'BUNDLE_UNREADABLE'];
      return fail(error, invalid.includes(error.code) ? EXIT.invalid : EXIT.failed);
    }
  },
};
