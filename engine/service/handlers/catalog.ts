/** catalog.*: the node types the editor may use, and a node's live preview. */
import { ApiError, type NodeTypeInfo } from '../../model/contract.ts';
import { effectsOf, outputPortsOf, portsOf, type AnyNodeDefinition } from '../../model/node-kit.ts';
import { configJsonSchema } from '../../model/json-schema.ts';
import { zodProblems } from '../../model/validate.ts';
import { evaluateDeep } from '../../expressions.ts';
import type { ServiceContext } from '../service-context.ts';
import type { GroupHandlers } from './types.ts';

export function catalogHandlers({ registry }: ServiceContext): GroupHandlers<'catalog'> {
  return {
    'catalog.list': async () => registry.all().map(describeNodeType),
    'catalog.preview': async ({ type, config, item }) => {
      const def = registry.get(type);
      if (!def) throw new ApiError({ code: 'NODE_TYPE_NOT_FOUND', message: `There is no node type "${type}".` });
      if (!def.preview) return { available: false, problems: [] };
      const parsed = def.config.safeParse(config, { reportInput: true });
      if (!parsed.success) return { available: true, problems: zodProblems(parsed.error, ['config']) };
      // Expressions see the item; the clock and randomness are not recorded here (nothing runs).
      const preview = await def.preview({ config: parsed.data, item, evaluate: (value) => evaluateDeep(value, { item, bindings: { input: item, nodes: {} } }) });
      return { available: true, preview, problems: [] };
    },
  };
}

/** A node type as the catalogue shows it: no code, just what the editor needs. */
export function describeNodeType(def: AnyNodeDefinition): NodeTypeInfo {
  const defaults = def.config.safeParse({});
  const config: unknown = defaults.success ? defaults.data : {};
  let outputs: string[];
  try {
    outputs = outputPortsOf(def, config);
  } catch {
    outputs = ['error'];
  }
  return {
    type: def.type,
    version: def.version,
    title: def.title,
    category: def.category,
    icon: def.icon,
    description: def.description,
    inputs: portsOf(def.inputs, config),
    outputs,
    dynamicOutputs: typeof def.outputs === 'function',
    effects: typeof def.effects === 'function' ? 'depends' : effectsOf(def, config),
    trigger: def.trigger === true,
    credentials: [...(def.credentials ?? [])],
    configSchema: configJsonSchema(def.config),
  };
}
