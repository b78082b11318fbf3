/** JSON Schema of the flow format, generated from the zod schema (one source of truth). */
import { z } from 'zod';
import { FLOW_FORMAT_VERSION, FlowSchema } from './flow.ts';

export function flowJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(FlowSchema, { io: 'input', target: 'draft-2020-12' }),
    $id: `https://flowkeeper.dev/schema/flow-v${FLOW_FORMAT_VERSION}.json`,
    title: 'Flowkeeper flow',
    description: 'A Flowkeeper flow file: nodes, the connections between them, and who owns it.',
  };
}

/** JSON Schema of one node type's settings, for forms and documentation. */
export function configJsonSchema(schema: z.ZodType): Record<string, unknown> {
  return z.toJSONSchema(schema, { io: 'input', target: 'draft-2020-12', unrepresentable: 'any' }) as Record<string, unknown>;
}
