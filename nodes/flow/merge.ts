import { z } from 'zod';
import { NodeError, defineNode, field, type Item } from '../../engine/model/index.ts';
import { getPath } from '../shared/fields.ts';

const Config = z
  .object({
    /**
     * `append`: items of "a", then items of "b".
     * `byKey`: pairs items of "a" and "b" whose `key` field is equal and merges their fields.
     * `waitForAll`: waits for both branches and emits one item `{ a: [...], b: [...] }`.
     */
    mode: field(z.enum(['append', 'byKey', 'waitForAll']).default('append'), {
      title: 'How to merge',
      description: 'Put the items of both branches one after the other, pair items that share a key, or wait for both and make one item.',
      optionLabels: { append: 'One after the other (a, then b)', byKey: 'Pair items with the same key', waitForAll: 'Wait for both, make one item' },
    }),
    key: field(z.string().min(1).max(200).optional(), {
      title: 'Key field',
      description: 'The field both branches share, e.g. customerId; items with equal values are merged into one.',
      placeholder: 'customerId',
      widget: 'plain',
      showWhen: { field: 'mode', is: ['byKey'] },
    }),
    /** For byKey: `inner` keeps pairs only, `left` also keeps unmatched "a" items, `outer` keeps all. */
    join: field(z.enum(['inner', 'left', 'outer']).default('inner'), {
      title: 'Items without a partner',
      description: 'What happens to an item whose key has no match in the other branch.',
      optionLabels: { inner: 'Drop them (keep pairs only)', left: 'Keep those from branch a', outer: 'Keep them all' },
      showWhen: { field: 'mode', is: ['byKey'] },
    }),
  })
  .strict()
  .refine((c) => c.mode !== 'byKey' || c.key !== undefined, { message: 'Matching by key needs the name of the key field.', path: ['key'] });

function keyOf(item: Item, key: string): string | undefined {
  const value = getPath(item, key);
  return value === undefined || value === null ? undefined : JSON.stringify(value);
}

export default defineNode({
  type: 'flow.merge',
  version: 1,
  title: 'Merge',
  category: 'flow',
  icon: 'merge',
  description: 'Brings two paths back together: one after the other, matched by a key, or once both are done.',
  config: Config,
  inputs: ['a', 'b'],
  outputs: ['out'],
  effects: 'pure',
  runWhenEmpty: true,
  async run({ inputs, config }) {
    const a = inputs.a ?? [];
    const b = inputs.b ?? [];
    switch (config.mode) {
      case 'append':
        return { out: [...a, ...b] };
      case 'waitForAll':
        return { out: a.length + b.length === 0 ? [] : [{ a, b }] };
      case 'byKey': {
        const key = config.key;
        if (key === undefined) throw new NodeError({ message: 'Matching by key needs the name of the key field.', code: 'CONFIG', retryable: false, field: 'key' });
        const byKey = new Map<string, Item[]>();
        for (const item of b) {
          const k = keyOf(item, key);
          if (k !== undefined) byKey.set(k, [...(byKey.get(k) ?? []), item]);
        }
        const used = new Set<Item>();
        const out: Item[] = [];
        for (const left of a) {
          const k = keyOf(left, key);
          const matches = k === undefined ? [] : (byKey.get(k) ?? []);
          for (const right of matches) {
            out.push({ ...left, ...right });
            used.add(right);
          }
          if (matches.length === 0 && config.join !== 'inner') out.push(left);
        }
        if (config.join === 'outer') out.push(...b.filter((item) => !used.has(item)));
        return { out };
      }
    }
  },
});
