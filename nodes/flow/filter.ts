import { z } from 'zod';
import { defineNode, field, type Item } from '../../engine/model/index.ts';
import { testCondition } from '../shared/fields.ts';

const Config = z
  .object({
    /** Items for which this is true go on; e.g. `amount > 100 and status = "open"`. */
    condition: field(z.string().min(1).max(10_000), { title: 'Keep items where', description: 'A condition over the item; items for which it is true go on, the others are dropped.', placeholder: 'amount > 100 and status = "open"', widget: 'expression' }),
  })
  .strict();

export default defineNode({
  type: 'flow.filter',
  version: 1,
  title: 'Filter',
  category: 'flow',
  icon: 'filter',
  description: 'Keeps only the items that match a condition; the rest leave through "discarded".',
  config: Config,
  inputs: ['in'],
  outputs: ['out', 'discarded'],
  expressionFields: ['condition'],
  effects: 'pure',
  async run({ items, config, ctx }) {
    const out: Item[] = [];
    const discarded: Item[] = [];
    for (let i = 0; i < items.length; i++) ((await testCondition(ctx, config.condition, i)) ? out : discarded).push(items[i]!);
    return { out, discarded };
  },
});
