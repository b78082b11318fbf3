import { z } from 'zod';
import { defineNode, type Item } from '../../engine/model/index.ts';
import { setPath } from '../shared/fields.ts';

const Config = z
  .object({
    /** Each field's value may use {{ expressions }}; `total` or `customer.name` style names. */
    fields: z
      .array(z.object({ name: z.string().min(1).max(200), value: z.unknown() }).strict())
      .max(200)
      .default([]),
    /** Keep the fields the item already had (on by default). */
    keepOtherFields: z.boolean().default(true),
  })
  .strict();

export default defineNode({
  type: 'transform.set',
  version: 1,
  title: 'Set fields',
  category: 'transform',
  icon: 'pencil',
  description: 'Adds or changes fields on every item, using fixed values or expressions.',
  config: Config,
  inputs: ['in'],
  outputs: ['out'],
  effects: 'pure',
  async run({ items, config, ctx }) {
    const out: Item[] = [];
    for (let i = 0; i < items.length; i++) {
      const item: Item = config.keepOtherFields ? structuredClone(items[i]!) : {};
      for (const field of config.fields) setPath(item, field.name, await ctx.evaluate(field.value, i));
      out.push(item);
    }
    return { out };
  },
});
