import { z } from 'zod';
import { NodeError, defineNode, field, type Item } from '../../engine/model/index.ts';
import { getPath } from '../shared/fields.ts';

const Config = z
  .object({
    /** The list to split, e.g. `lines` or `invoice.lines`. */
    field: field(z.string().min(1).max(200), { title: 'List to split', description: 'The field holding the list; each entry becomes an item of its own.', placeholder: 'invoice.lines', widget: 'plain' }),
    /** Parent fields copied onto every new item, e.g. ["invoiceId"]. */
    include: field(z.array(z.string().min(1).max(200)).max(100).default([]), {
      title: 'Fields to copy onto each item',
      itemTitle: 'Field',
      description: 'Fields of the original item that every new item keeps, e.g. invoiceId.',
      placeholder: 'invoiceId',
      widget: 'string-list',
    }),
    /** Name for values that are not objects (numbers, text). Defaults to the field's last part. */
    valueName: field(z.string().max(100).optional(), {
      title: 'Name for plain values',
      description: 'When the entries are plain numbers or text, the field name they get. Empty: the list field\'s last part.',
      placeholder: 'line',
      widget: 'plain',
      advanced: true,
    }),
  })
  .strict();

export default defineNode({
  type: 'transform.split-out',
  version: 1,
  title: 'Split list into items',
  category: 'transform',
  icon: 'split',
  description: 'Turns a list inside each item (like invoice lines) into separate items.',
  config: Config,
  inputs: ['in'],
  outputs: ['out'],
  effects: 'pure',
  async run({ items, config, ctx }) {
    const valueName = config.valueName ?? config.field.split('.').pop() ?? 'value';
    return ctx.forEachItem(items, async (item) => {
      const list = getPath(item, config.field);
      if (!Array.isArray(list)) {
        throw new NodeError({
          message: list === undefined ? `The item has no field "${config.field}".` : `The field "${config.field}" is not a list.`,
          code: 'FIELD_NOT_LIST',
          retryable: false,
          hint: 'Check the field name in "Split list into items", or filter out items without it first.',
        });
      }
      const parent: Item = {};
      for (const name of config.include) parent[name] = getPath(item, name);
      return list.map((entry: unknown) =>
        entry !== null && typeof entry === 'object' && !Array.isArray(entry) ? { ...parent, ...(entry as Item) } : { ...parent, [valueName]: entry },
      );
    });
  },
});
