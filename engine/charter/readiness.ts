/**
 * Readiness: the production checklist a flow must pass before it may be switched on (the
 * activation gate in engine/charter/activation-gate.ts) and that the flow page shows. Pure: it
 * reads the flow and the node definitions of the catalogue (their declared `effects`, category
 * and whether they fire by themselves), never the disk, the clock or the network.
 *
 * The checks, in order:
 *  - live-trigger: at least one trigger that fires by itself (not only "start by hand");
 *  - review-step: no AI step's answer reaches a step that writes (a customer, a system of
 *    record) without a review step in between — or a recorded waiver with a reason;
 *  - owner / backup-owner: named, with an e-mail address, and two different people;
 *  - metric: a success metric with a target, valid for its form;
 *  - alert-route: e-mail through an SMTP credential or a webhook;
 *  - error-paths: every step that writes has its error path connected — or a waiver.
 *
 * May import: `engine/model`.
 */
import { CharterSchema, type Charter, type Readiness, type ReadinessItem, type Waiver } from '../model/charter.ts';
import type { Flow, FlowNode } from '../model/flow.ts';
import { effectsOf, type AnyNodeDefinition } from '../model/node-kit.ts';

/** What readiness needs of the catalogue: a node type's definition by name. */
export interface ReadinessCatalog {
  get(type: string): AnyNodeDefinition | undefined;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const SHARE_FORMS = new Set(['reviews-approved-unedited', 'runs-without-person']);

export function isEmailAddress(text: string): boolean {
  return EMAIL.test(text.trim());
}

/**
 * The charter of a flow with defaults filled in. A charter that does not parse (a hand-edited
 * file) counts as empty, so every charter item says what is missing rather than the check failing.
 */
export function charterOf(flow: Pick<Flow, 'charter'>): Charter {
  const parsed = CharterSchema.safeParse(flow.charter ?? {});
  return parsed.success ? parsed.data : CharterSchema.parse({});
}

export function readiness(flow: Flow, catalog: ReadinessCatalog): Readiness {
  const charter = charterOf(flow);
  const steps = describeSteps(flow, catalog);
  const items: ReadinessItem[] = [
    liveTrigger(flow, steps),
    reviewStep(flow, steps, waiverFor(charter, 'review-step')),
    owner(charter),
    backupOwner(charter),
    metric(flow, charter),
    alertRoute(charter),
    errorPaths(flow, steps, waiverFor(charter, 'error-paths')),
  ];
  const missing = items.filter((i) => !i.ok).map((i) => i.message);
  return { flowId: flow.id, flowVersion: flow.version, ready: missing.length === 0, items, missing };
}

interface StepInfo {
  node: FlowNode;
  def: AnyNodeDefinition | undefined;
  /** "Send reply" (the step's name, else its type's title, else its id) in quotes. */
  label: string;
  writes: boolean;
  ai: boolean;
  review: boolean;
  firesByItself: boolean;
}

function describeSteps(flow: Flow, catalog: ReadinessCatalog): Map<string, StepInfo> {
  const out = new Map<string, StepInfo>();
  for (const node of flow.nodes) {
    const def = catalog.get(node.type);
    out.set(node.id, {
      node,
      def,
      label: `"${node.name || def?.title || node.id}"`,
      writes: def !== undefined && effectsFor(def, node) === 'write',
      ai: def?.category === 'llm',
      review: def?.category === 'review',
      firesByItself: typeof def?.subscribe === 'function',
    });
  }
  return out;
}

/** A node's effects for its own settings (an HTTP GET reads, a POST writes). */
function effectsFor(def: AnyNodeDefinition, node: FlowNode): string {
  const parsed = def.config.safeParse(node.config);
  try {
    return effectsOf(def, parsed.success ? parsed.data : node.config);
  } catch {
    // Settings too broken to tell: count it as writing, the safe side for a gate.
    return 'write';
  }
}

function waiverFor(charter: Charter, check: Waiver['check']): Waiver | undefined {
  return charter.waivers.find((w) => w.check === check && w.reason.trim() !== '');
}

function liveTrigger(flow: Flow, steps: Map<string, StepInfo>): ReadinessItem {
  const live = [...steps.values()].filter((s) => s.firesByItself);
  const title = 'Starts by itself';
  if (live.length > 0) {
    return { check: 'live-trigger', title, ok: true, message: `Starts by itself: ${live.map((s) => `${s.label} (${s.def?.title ?? s.node.type})`).join(', ')}.`, fix: { kind: 'node', nodeId: live[0]!.node.id }, nodeIds: live.map((s) => s.node.id) };
  }
  const manual = [...steps.values()].find((s) => s.def?.trigger === true);
  return {
    check: 'live-trigger',
    title,
    ok: false,
    message: 'It only starts by hand: add a trigger that fires by itself (on a schedule, a webhook, polling).',
    fix: manual ? { kind: 'node', nodeId: manual.node.id } : { kind: 'canvas' },
    ...(flow.nodes.length > 0 && manual ? { nodeIds: [manual.node.id] } : {}),
  };
}

/**
 * For each step that writes, walks the edges backwards without passing a review step: reaching an
 * AI step means its answer can be written without a person seeing it. An AI step's own error path
 * carries its failure, not its answer, so that edge is not followed.
 */
function reviewStep(flow: Flow, steps: Map<string, StepInfo>, waiver: Waiver | undefined): ReadinessItem {
  const incoming = new Map<string, Flow['edges']>();
  for (const edge of flow.edges) {
    const list = incoming.get(edge.target) ?? [];
    list.push(edge);
    incoming.set(edge.target, list);
  }
  const unreviewed: Array<{ ai: StepInfo; write: StepInfo }> = [];
  for (const write of steps.values()) {
    if (!write.writes) continue;
    const seen = new Set<string>([write.node.id]);
    const queue = [write.node.id];
    while (queue.length > 0) {
      const at = queue.shift()!;
      for (const edge of incoming.get(at) ?? []) {
        const from = steps.get(edge.source);
        if (!from || seen.has(edge.source)) continue;
        if (from.ai && edge.sourcePort === 'error') continue;
        seen.add(edge.source);
        if (from.review) continue;
        if (from.ai) unreviewed.push({ ai: from, write });
        queue.push(edge.source);
      }
    }
  }
  const title = 'A person reviews AI output before it goes out';
  const first = unreviewed[0];
  if (!first) {
    const anyAi = [...steps.values()].some((s) => s.ai);
    return { check: 'review-step', title, ok: true, message: anyAi ? 'Every AI answer passes a review step before a step writes it.' : 'No AI step feeds a step that writes, so no review step is needed.', fix: { kind: 'canvas' } };
  }
  const nodeIds = [...new Set(unreviewed.map((u) => u.write.node.id))];
  if (waiver) {
    return { check: 'review-step', title, ok: true, message: `No review step, waived${waiver.by ? ` by ${waiver.by}` : ''}${waiver.at ? ` on ${waiver.at.slice(0, 10)}` : ''}: ${waiver.reason}`, fix: { kind: 'charter', field: 'waivers' }, nodeIds, waived: waiver };
  }
  const more = unreviewed.length > 1 ? ` (and ${unreviewed.length - 1} more)` : '';
  return {
    check: 'review-step',
    title,
    ok: false,
    message: `The answer of the AI step ${first.ai.label} reaches ${first.write.label}, which writes, without a person reviewing it${more}: add a review step between them, or record why none is needed.`,
    fix: { kind: 'node', nodeId: first.write.node.id },
    nodeIds,
  };
}

function owner(charter: Charter): ReadinessItem {
  const title = 'Has an owner';
  const { name, email } = charter.owner;
  if (name.trim() === '') return { check: 'owner', title, ok: false, message: 'Nobody owns it: name the owner, the person who answers when it breaks.', fix: { kind: 'charter', field: 'owner' } };
  if (!isEmailAddress(email)) return { check: 'owner', title, ok: false, message: `The owner ${name.trim()} has ${email.trim() === '' ? 'no e-mail address' : `no valid e-mail address ("${email.trim()}")`}: add one so alerts reach them.`, fix: { kind: 'charter', field: 'owner' } };
  return { check: 'owner', title, ok: true, message: `Owned by ${name.trim()} (${email.trim()}).`, fix: { kind: 'charter', field: 'owner' } };
}

function backupOwner(charter: Charter): ReadinessItem {
  const title = 'Has a backup owner';
  const { name, email } = charter.backupOwner;
  if (name.trim() === '') return { check: 'backup-owner', title, ok: false, message: 'There is no backup owner: name who takes over when the owner is away.', fix: { kind: 'charter', field: 'backupOwner' } };
  if (!isEmailAddress(email)) return { check: 'backup-owner', title, ok: false, message: `The backup owner ${name.trim()} has ${email.trim() === '' ? 'no e-mail address' : `no valid e-mail address ("${email.trim()}")`}: add one so alerts reach them.`, fix: { kind: 'charter', field: 'backupOwner' } };
  if (email.trim().toLowerCase() === charter.owner.email.trim().toLowerCase()) return { check: 'backup-owner', title, ok: false, message: 'The backup owner is the owner: name a second person.', fix: { kind: 'charter', field: 'backupOwner' } };
  return { check: 'backup-owner', title, ok: true, message: `Backed up by ${name.trim()} (${email.trim()}).`, fix: { kind: 'charter', field: 'backupOwner' } };
}

function metric(flow: Flow, charter: Charter): ReadinessItem {
  const title = 'Success is measured';
  const fix = { kind: 'charter', field: 'metric' } as const;
  const m = charter.metric;
  const fail = (message: string): ReadinessItem => ({ check: 'metric', title, ok: false, message, fix });
  if (!m) return fail('No success metric: pick what success means for this flow and a target.');
  if (m.kind === 'items-reached-step') {
    if (!m.stepId) return fail('The success metric counts items reaching a step, but names no step: pick the step.');
    if (!flow.nodes.some((n) => n.id === m.stepId)) return fail(`The success metric counts items reaching the step "${m.stepId}", which is not in the flow any more: pick another step.`);
  }
  if ((m.kind === 'items-reached-step' || m.kind === 'minutes-saved') && !m.period) return fail('The success metric is counted per day or per week: pick which.');
  if (m.kind === 'minutes-saved' && !(m.minutesPerRun !== undefined && m.minutesPerRun > 0)) return fail('The success metric counts minutes saved, but not how many one run saves: enter the minutes per run.');
  if (SHARE_FORMS.has(m.kind) && m.target > 1) return fail(`The target is a share between 0 and 100 %, not ${m.target}: enter it as a percentage.`);
  if (m.target <= 0 && m.kind !== 'median-trigger-to-done') return fail('The success metric has no target: enter the value that counts as success.');
  if (m.kind === 'median-trigger-to-done' && m.target <= 0) return fail('The success metric has no target time: enter how quickly a run should finish.');
  return { check: 'metric', title, ok: true, message: `Success means: ${describeMetric(m, flow)}.`, fix };
}

/** The metric in words, e.g. "at least 40 items reach "Send reply" per day". */
export function describeMetric(m: NonNullable<Charter['metric']>, flow?: Pick<Flow, 'nodes'>): string {
  const step = m.stepId ? flow?.nodes.find((n) => n.id === m.stepId) : undefined;
  const per = m.period === 'week' ? 'per week' : 'per day';
  switch (m.kind) {
    case 'items-reached-step':
      return `at least ${m.target} ${m.target === 1 ? 'item reaches' : 'items reach'} "${step?.name || m.stepId}" ${per}`;
    case 'reviews-approved-unedited':
      return `at least ${percent(m.target)} of reviews approved without edits`;
    case 'median-trigger-to-done':
      return `half the runs done within ${duration(m.target)} of their trigger`;
    case 'runs-without-person':
      return `at least ${percent(m.target)} of runs need no person`;
    case 'minutes-saved':
      return `at least ${m.target} minutes saved ${per} (${m.minutesPerRun ?? 0} per run)`;
  }
}

export function percent(share: number): string {
  return `${Math.round(share * 1000) / 10} %`;
}

export function duration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 120_000) return `${Math.round(ms / 100) / 10} s`;
  if (ms < 7_200_000) return `${Math.round(ms / 6000) / 10} min`;
  return `${Math.round(ms / 360_000) / 10} h`;
}

function alertRoute(charter: Charter): ReadinessItem {
  const title = 'Someone hears about problems';
  const fix = { kind: 'charter', field: 'alerts' } as const;
  const route = charter.alerts;
  const ways: string[] = [];
  const problems: string[] = [];
  if (route?.email) {
    const bad = route.email.to.filter((a) => !isEmailAddress(a));
    if (route.email.credential.trim() === '') problems.push('e-mail alerts need a mail server: pick an SMTP credential');
    else if (bad.length > 0) problems.push(`the alert address "${bad[0]}" is not an e-mail address: correct it`);
    else ways.push(`e-mail to ${route.email.to.length > 0 ? route.email.to.join(', ') : 'the owner and the backup owner'}`);
  }
  if (route?.webhook) {
    if (!/^https?:\/\/\S+$/i.test(route.webhook.url.trim())) problems.push(route.webhook.url.trim() === '' ? 'the alert webhook has no address yet: enter it' : `the alert webhook "${route.webhook.url}" is not a web address (http:// or https://): correct it`);
    else ways.push(route.webhook.format === 'slack' ? 'a Slack message' : 'a webhook');
  }
  if (problems.length > 0) return { check: 'alert-route', title, ok: false, message: `${capitalize(problems.join('; '))}.`, fix };
  if (ways.length === 0) return { check: 'alert-route', title, ok: false, message: 'Nobody is told when it fails: send alerts by e-mail (an SMTP credential) or to a webhook such as Slack.', fix };
  return { check: 'alert-route', title, ok: true, message: `Alerts go by ${ways.join(' and ')}.`, fix };
}

function errorPaths(flow: Flow, steps: Map<string, StepInfo>, waiver: Waiver | undefined): ReadinessItem {
  const title = 'Failed writes are handled';
  const handled = new Set(flow.edges.filter((e) => e.sourcePort === 'error').map((e) => e.source));
  const open = [...steps.values()].filter((s) => s.writes && !handled.has(s.node.id));
  if (open.length === 0) {
    const writes = [...steps.values()].filter((s) => s.writes).length;
    return { check: 'error-paths', title, ok: true, message: writes > 0 ? 'Every step that writes has its error path connected.' : 'No step writes anywhere, so no error path is needed.', fix: { kind: 'canvas' } };
  }
  const nodeIds = open.map((s) => s.node.id);
  if (waiver) {
    return { check: 'error-paths', title, ok: true, message: `Error paths not connected, waived${waiver.by ? ` by ${waiver.by}` : ''}${waiver.at ? ` on ${waiver.at.slice(0, 10)}` : ''}: ${waiver.reason}`, fix: { kind: 'charter', field: 'waivers' }, nodeIds, waived: waiver };
  }
  const names = open.map((s) => s.label);
  return {
    check: 'error-paths',
    title,
    ok: false,
    message: `${names.length === 1 ? `The step ${names[0]} writes` : `The steps ${names.slice(0, -1).join(', ')} and ${names.at(-1)} write`} but ${names.length === 1 ? 'its' : 'their'} error path leads nowhere: connect it (to a notice or a review), or record why none is needed.`,
    fix: { kind: 'node', nodeId: open[0]!.node.id },
    nodeIds,
  };
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
