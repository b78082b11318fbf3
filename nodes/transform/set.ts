import { z } from 'zod';
import { defineNode, field, type Item } from '../../engine/model/index.ts';
import { setPath } from '../shared/fields.ts';

const Config = z
  .object({
    /** Each field's value may use {{ expressions }}; `total` or `customer.name` style names. */
    fields: field(
      z
        .array(
          z
            .object({
              name: field(z.string().min(1).max(200), { title: 'Field', description: 'The field to set; a dot reaches inside, e.g. customer.name.', placeholder: 'total', widget: 'plain' }),
              value: field(z.unknown(), { title: 'Value', description: 'The new value; may use {{ expressions }}, e.g. {{ price * quantity }}.', placeholder: '{{ price * quantity }}' }),
            })
            .strict(),
        )
        .max(200)
        .default([]),
      { title: 'Fields to set', itemTitle: 'Field', description: 'Each field gets the value next to it. A value may use {{ expressions }} over the item.', widget: 'key-value' },
    ),
    /** Keep the fields the item already had (on by default). */
    keepOtherFields: field(z.boolean().default(true), { title: 'Keep the other fields', description: 'On: the item keeps the fields it already had. Off: it has only the fields set here.' }),
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
  // The item as this step would leave it; the inspector also uses it to preview any expression.
  async preview({ config, item, evaluate }) {
    const out: Item = config.keepOtherFields ? structuredClone(item) : {};
    for (const field of config.fields) setPath(out, field.name, await evaluate(field.value));
    return out;
  },
});
