import { z } from 'zod';
import { defineNode, field, type Item } from '../../engine/model/index.ts';

const Config = z
  .object({
    /** A jsonata expression, without {{ }}. */
    expression: field(z.string().min(1).max(100_000), {
      title: 'Transformation',
      description: 'A JSONata expression giving the new item, e.g. { "name": customer.name, "total": $sum(lines.amount) }.',
      placeholder: '{ "name": customer.name, "total": $sum(lines.amount) }',
      widget: 'expression',
    }),
    /** `each`: $ is one item, run per item. `all`: $ is the list of all items, run once. */
    mode: field(z.enum(['each', 'all']).default('each'), {
      title: 'Apply to',
      description: 'Each item on its own, or the whole list of items at once (to count, sum or group them).',
      optionLabels: { each: 'Each item on its own', all: 'All items at once' },
    }),
  })
  .strict();

function toItems(value: unknown): Item[] {
  if (value === undefined || value === null) return [];
  const list = Array.isArray(value) ? value : [value];
  return list.map((v: unknown) => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Item) : { value: v }));
}

export default defineNode({
  type: 'transform.jsonata',
  version: 1,
  title: 'Transform',
  category: 'transform',
  icon: 'shuffle',
  description: 'Reshapes items with an expression: pick fields, compute totals, group or sort.',
  config: Config,
  inputs: ['in'],
  outputs: ['out'],
  expressionFields: ['expression'],
  effects: 'pure',
  async run({ items, config, ctx }) {
    if (config.mode === 'all') {
      return { out: toItems(await ctx.evaluateExpression(config.expression, 0, { input: items, field: 'expression' })) };
    }
    const out: Item[] = [];
    for (let i = 0; i < items.length; i++) out.push(...toItems(await ctx.evaluateExpression(config.expression, i, { field: 'expression' })));
    if (items.length > 0 && out.length === 0) ctx.log.warn('The expression returned nothing for every item.');
    return { out };
  },
});

