import { z } from 'zod';
import { defineNode, field, type Item } from '../../engine/model/index.ts';
import { testCondition } from '../shared/fields.ts';

const Config = z
  .object({
    /** e.g. `total >= 1000`. Items go to "true" or "false". */
    condition: field(z.string().min(1).max(10_000), { title: 'Condition', description: 'Checked for every item: true sends it to the "true" output, otherwise to "false".', placeholder: 'total >= 1000', widget: 'expression' }),
  })
  .strict();

export default defineNode({
  type: 'flow.if',
  version: 1,
  title: 'If',
  category: 'flow',
  icon: 'git-branch',
  description: 'Sends each item down the "true" or the "false" path depending on a condition.',
  config: Config,
  inputs: ['in'],
  outputs: ['true', 'false'],
  expressionFields: ['condition'],
  effects: 'pure',
  async run({ items, config, ctx }) {
    const yes: Item[] = [];
    const no: Item[] = [];
    for (let i = 0; i < items.length; i++) ((await testCondition(ctx, config.condition, i)) ? yes : no).push(items[i]!);
    return { true: yes, false: no };
  },
});
