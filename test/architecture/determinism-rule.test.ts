/**
 * Node types must stay replayable: the network only through ctx.http / ctx.external, the clock
 * and randomness only through ctx.now() / ctx.random(). Each probe breaks one rule in a file
 * placed in nodes/ and must fail lint; the same code elsewhere, or the ctx way, must pass.
 */
import { describe, expect, it } from 'vitest';
import { restrictionProblems as problems } from './lint-probe.ts';

const probe = 'nodes/flow/probe.ts';

describe('determinism rule for node types', () => {
  it.each([
    ["import { request } from 'node:http';\nexport const x = request;\n", /ctx\.http/],
    ["import { get } from 'node:https';\nexport const x = get;\n", /ctx\.http/],
    ["import { connect } from 'node:net';\nexport const x = connect;\n", /ctx\.http/],
    ["import http from 'http';\nexport const x = http;\n", /ctx\.http/],
    ["export const x = () => fetch('https://example.com');\n", /ctx\.http/],
    ["export const x = () => globalThis.fetch('https://example.com');\n", /ctx\.http/],
  ])('refuses the network outside ctx: %s', async (code, message) => {
    expect(await problems(probe, code)).toEqual([expect.stringMatching(message)]);
  });

  it.each([
    ['export const x = () => Date.now();\n', /ctx\.now\(\)/],
    ['export const x = () => new Date();\n', /ctx\.now\(\)/],
    ['export const x = () => Date();\n', /ctx\.now\(\)/],
    ['export const x = () => performance.now();\n', /ctx\.now\(\)/],
    ['export const x = () => Math.random();\n', /ctx\.random\(\)/],
    ['export const x = () => crypto.randomUUID();\n', /ctx\.random\(\)/],
  ])('refuses the clock and randomness outside ctx: %s', async (code, message) => {
    expect(await problems(probe, code)).toEqual([expect.stringMatching(message)]);
  });

  it('lets node types use ctx, parse dates and build dates from a value', async () => {
    const code = [
      "import type { NodeContext } from '../../engine/model/index.ts';",
      'export async function x(ctx: NodeContext, text: string) {',
      '  const now = await ctx.now();',
      '  const r = await ctx.random();',
      '  return [new Date(now).toISOString(), Date.parse(text), r, Math.max(1, 2)];',
      '}',
      '',
    ].join('\n');
    expect(await problems(probe, code)).toEqual([]);
  });

  it('applies to node types only: the engine may read the clock and call fetch', async () => {
    expect(await problems('engine/runner/probe.ts', 'export const x = () => [Date.now(), Math.random(), fetch];\n')).toEqual([]);
  });
});
