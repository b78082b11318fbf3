/**
 * What an expression in a node's settings can refer to, for autocomplete: `$input` (the run
 * input, i.e. the start form's answers), `$nodes.<id>` for every node upstream of this one
 * (ancestors from the flow's edges), and the fields of the current item — from the last run's
 * sample item when there is one, otherwise from what the nodes feeding this one declare they
 * output (start form fields, fields set, AI answer fields). Pure: no React, no DOM.
 */

export interface NodeLike {
  id: string;
  type: string;
  name?: string;
  config?: Record<string, unknown>;
}

export interface FlowLike {
  nodes: readonly NodeLike[];
  edges: ReadonlyArray<{ source: string; target: string }>;
}

export interface Suggestion {
  /** What is inserted, e.g. `$nodes.fetch` or `customer.name`. */
  label: string;
  /** A few words on what it is. */
  detail: string;
  type: 'variable' | 'property' | 'function';
}

/** Nodes upstream of `nodeId`, nearest first (breadth-first over incoming edges). */
export function ancestorsOf(flow: FlowLike, nodeId: string): NodeLike[] {
  const byId = new Map(flow.nodes.map((n) => [n.id, n]));
  const seen = new Set<string>([nodeId]);
  const out: NodeLike[] = [];
  let frontier = [nodeId];
  while (frontier.length > 0) {
    const next: string[] = [];
    for (const id of frontier) {
      for (const edge of flow.edges) {
        if (edge.target !== id || seen.has(edge.source)) continue;
        seen.add(edge.source);
        const node = byId.get(edge.source);
        if (node) out.push(node);
        next.push(edge.source);
      }
    }
    frontier = next;
  }
  return out;
}

/** Dotted paths of a JSON value's fields, a few levels deep (`customer`, `customer.name`). */
export function fieldPaths(value: unknown, prefix = '', depth = 3): string[] {
  if (depth === 0 || value === null || typeof value !== 'object' || Array.isArray(value)) return [];
  const out: string[] = [];
  for (const [key, child] of Object.entries(value as Record<string, unknown>).slice(0, 100)) {
    const path = /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key) ? `${prefix}${key}` : `${prefix}\`${key}\``;
    out.push(path, ...fieldPaths(child, `${path}.`, depth - 1));
  }
  return out;
}

function names(list: unknown, key: string): string[] {
  return Array.isArray(list) ? list.map((e) => (e as Record<string, unknown> | null)?.[key]).filter((n): n is string => typeof n === 'string' && n !== '') : [];
}

/** The fields a node says it puts on its items, from its settings alone (no run needed). */
export function declaredFields(node: NodeLike, flow: FlowLike, seen = new Set<string>()): string[] {
  if (seen.has(node.id)) return [];
  seen.add(node.id);
  const config = node.config ?? {};
  const upstream = () => [...new Set(flow.edges.filter((e) => e.target === node.id).flatMap((e) => {
    const source = flow.nodes.find((n) => n.id === e.source);
    return source ? declaredFields(source, flow, seen) : [];
  }))];
  switch (node.type) {
    case 'trigger.manual':
      return names(config.fields, 'name');
    case 'transform.set': {
      const set = names(config.fields, 'name');
      return config.keepOtherFields === false ? set : [...new Set([...upstream(), ...set])];
    }
    case 'llm.generate': {
      const target = typeof config.outputField === 'string' ? config.outputField : 'ai';
      const answer = names(config.outputFields, 'name');
      if (config.task === 'classify') answer.push('label', 'confidence');
      if (config.task === 'summarize') answer.push('summary');
      if (config.task === 'draft-reply') answer.push('reply');
      if (answer.length === 0) answer.push('text');
      const own = target === '' ? answer : [target, ...answer.map((a) => `${target}.${a}`)];
      return [...new Set([...upstream(), ...own])];
    }
    case 'http.request':
      // The answer's shape is the API's own: only a run can tell. `full` output is known.
      return config.output === 'full' ? ['status', 'headers', 'body'] : [];
    case 'transform.split-out':
      // Each entry's own fields are only known from a run; the copied parent fields are declared.
      return [...(Array.isArray(config.include) ? config.include.filter((n): n is string => typeof n === 'string') : []), ...(typeof config.valueName === 'string' && config.valueName !== '' ? [config.valueName] : [])];
    default:
      // Filters, branches, merges and waits pass items through unchanged.
      return upstream();
  }
}

const FUNCTIONS: Array<[string, string]> = [
  ['$string', 'turn a value into text'],
  ['$number', 'turn text into a number'],
  ['$uppercase', 'text in capitals'],
  ['$lowercase', 'text in small letters'],
  ['$trim', 'text without surrounding spaces'],
  ['$substring', 'part of a text'],
  ['$contains', 'does a text contain another'],
  ['$split', 'split a text into a list'],
  ['$join', 'join a list into a text'],
  ['$replace', 'replace part of a text'],
  ['$length', 'length of a text'],
  ['$sum', 'add up a list of numbers'],
  ['$count', 'how many entries a list has'],
  ['$max', 'largest number of a list'],
  ['$min', 'smallest number of a list'],
  ['$average', 'average of a list of numbers'],
  ['$round', 'round a number'],
  ['$exists', 'is the field there'],
  ['$now', 'the current date and time (recorded)'],
  ['$millis', 'the current time in milliseconds (recorded)'],
  ['$keys', 'the field names of an object'],
  ['$map', 'apply a function to every entry'],
  ['$filter', 'keep the entries a function accepts'],
];

export interface ScopeInput {
  flow: FlowLike;
  nodeId: string;
  sampleItem?: unknown;
}

/** Everything autocomplete offers for one node. */
export function suggestionsFor({ flow, nodeId, sampleItem }: ScopeInput): Suggestion[] {
  const out: Suggestion[] = [];
  const fromRun = sampleItem !== undefined && sampleItem !== null && typeof sampleItem === 'object';
  const self = flow.nodes.find((n) => n.id === nodeId);
  const itemFields = fromRun ? fieldPaths(sampleItem) : self ? [...new Set(flow.edges.filter((e) => e.target === nodeId).flatMap((e) => {
    const source = flow.nodes.find((n) => n.id === e.source);
    return source ? declaredFields(source, flow) : [];
  }))] : [];
  for (const path of itemFields) out.push({ label: path, detail: fromRun ? 'field of the item (last run)' : 'field of the item', type: 'property' });
  out.push({ label: '$input', detail: 'what the run was started with', type: 'variable' });
  const trigger = flow.nodes.find((n) => n.type === 'trigger.manual');
  for (const name of trigger ? names(trigger.config?.fields, 'name') : []) out.push({ label: `$input.${name}`, detail: 'answer of the start form', type: 'variable' });
  for (const node of ancestorsOf(flow, nodeId)) {
    const label = /^[A-Za-z_][A-Za-z0-9_]*$/.test(node.id) ? `$nodes.${node.id}` : `$nodes.\`${node.id}\``;
    out.push({ label, detail: `items of “${node.name ?? node.id}”`, type: 'variable' });
  }
  out.push({ label: '$itemIndex', detail: 'position of the item (0, 1, …)', type: 'variable' });
  for (const [label, detail] of FUNCTIONS) out.push({ label, detail, type: 'function' });
  return out;
}
