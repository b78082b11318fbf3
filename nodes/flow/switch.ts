import { z } from 'zod';
import { defineNode, field, type Item } from '../../engine/model/index.ts';
import { testCondition } from '../shared/fields.ts';

const Config = z
  .object({
    /** Checked in order; each rule's `port` becomes an output of the node. */
    rules: field(
      z
        .array(
          z
            .object({
              port: field(z.string().min(1).max(64).regex(/^[A-Za-z][A-Za-z0-9_-]*$/, 'use letters, digits, "_" or "-"'), {
                title: 'Output name',
                description: 'The name of the output items matching this rule leave through, e.g. urgent.',
                placeholder: 'urgent',
                widget: 'plain',
              }),
              condition: field(z.string().min(1).max(10_000), { title: 'When', description: 'A condition over the item, e.g. priority = "high".', placeholder: 'priority = "high"', widget: 'expression' }),
            })
            .strict(),
        )
        .min(1)
        .max(50)
        .refine((rules) => new Set(rules.map((r) => r.port)).size === rules.length, 'each rule needs its own output name')
        .refine((rules) => rules.every((r) => r.port !== 'fallback' && r.port !== 'error'), '"fallback" and "error" are reserved output names'),
      { title: 'Rules', itemTitle: 'Rule', description: 'Checked in order. Each rule is an output of the step; an item leaves through the rules it matches.' },
    ),
    /** `first`: an item goes to the first matching rule. `all`: to every matching rule. */
    mode: field(z.enum(['first', 'all']).default('first'), {
      title: 'Matching',
      description: 'Send an item through the first rule it matches only, or through every rule it matches.',
      optionLabels: { first: 'First matching rule only', all: 'Every matching rule' },
    }),
    /** Items that match no rule leave through "fallback" (otherwise they are dropped). */
    fallback: field(z.boolean().default(true), { title: 'Fallback output', description: 'On: items matching no rule leave through "fallback". Off: they are dropped.' }),
  })
  .strict();
type SwitchConfig = z.infer<typeof Config>;

export default defineNode({
  type: 'flow.switch',
  version: 1,
  title: 'Switch',
  category: 'flow',
  icon: 'signpost',
  description: 'Routes each item to one of several named paths by checking rules in order.',
  config: Config,
  inputs: ['in'],
  outputs: (config: SwitchConfig) => [...config.rules.map((r) => r.port), ...(config.fallback ? ['fallback'] : [])],
  expressionFields: ['rules[].condition'],
  effects: 'pure',
  async run({ items, config, ctx }) {
    const out: Record<string, Item[]> = Object.fromEntries(config.rules.map((r) => [r.port, [] as Item[]]));
    if (config.fallback) out.fallback = [];
    for (let i = 0; i < items.length; i++) {
      let matched = false;
      for (const rule of config.rules) {
        if (await testCondition(ctx, rule.condition, i, `rule "${rule.port}" condition`)) {
          out[rule.port]!.push(items[i]!);
          matched = true;
          if (config.mode === 'first') break;
        }
      }
      if (!matched && config.fallback) out.fallback!.push(items[i]!);
    }
    return out;
  },
});
