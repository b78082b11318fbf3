import { describe, expect, it } from 'vitest';
import type { NodeTypeInfo } from '../../../engine/model/contract.ts';
import type { Flow } from '../../../engine/model/flow.ts';
import { diffFlows } from '../../../engine/model/flow-diff.ts';
import { withoutEmptyChanges, changeGroups, charterFieldLabel, connectionWords, diffHeadline, humanize, SHORT_MAX, stepFieldLabel, valueText } from '../../../renderer/version-diff/diff-words.ts';

const http = { title: 'HTTP request', configSchema: { properties: { url: { title: 'Address (URL)' }, headers: { title: 'Headers' } } } } as unknown as NodeTypeInfo;
const catalog = new Map([['http.request', http]]);
const base = (nodes: unknown[], edges: unknown[], extra: Record<string, unknown> = {}) => ({ format: 'flowkeeper/flow', formatVersion: 1, id: 'f', name: 'Invoices', nodes, edges, ...extra }) as unknown as Flow;

describe('values and labels in words', () => {
  it('says what a value is without JSON for the simple ones', () => {
    expect(valueText('abc').short).toBe('“abc”');
    expect(valueText(undefined).short).toBe('(not set)');
    expect(valueText(true).short).toBe('Yes');
    expect(valueText(3).short).toBe('3');
    expect(valueText([]).short).toBe('(empty list)');
  });

  it('shortens a long value and keeps it whole for "Show all"', () => {
    const long = 'x'.repeat(200);
    const text = valueText(long);
    expect(text.cut).toBe(true);
    expect(text.short.length).toBe(SHORT_MAX);
    expect(text.short.endsWith('…')).toBe(true);
    expect(text.full).toBe(`“${long}”`);
    const obj = valueText({ a: 1 });
    expect(obj.full).toContain('\n');
    expect(obj.short).toBe('{"a":1}');
    expect(obj.cut).toBe(true);
  });

  it('shows headers and other name/value lists as name = value', () => {
    const pairs = valueText([{ name: 'Accept', value: 'application/json' }, { name: 'X-Page', value: 2 }]);
    expect(pairs.short).toBe('Accept = application/json; X-Page = 2');
    expect(pairs.full).toBe('Accept = application/json\nX-Page = 2');
  });

  it('names a setting by its title in the catalogue, never by its bare key', () => {
    expect(stepFieldLabel('config.url', http)).toBe('Address (URL)');
    expect(stepFieldLabel('config.authHeaderName', http)).toBe('Auth header name');
    expect(stepFieldLabel('config.headers.0', http)).toBe('Headers › entry 1');
    expect(stepFieldLabel('retry.maxAttempts', undefined)).toBe('Retry › Max attempts');
    expect(stepFieldLabel('name', http)).toBe('Name');
    expect(humanize('backupOwner')).toBe('Backup owner');
  });

  it('names charter fields in the charter form’s words', () => {
    expect(charterFieldLabel('owner.email')).toBe('Owner › Email');
    expect(charterFieldLabel('metric.target')).toBe('Success metric › Target');
    expect(charterFieldLabel('waivers.review-step.reason')).toBe('Waived check › review-step › Reason');
  });
});

describe('changeGroups', () => {
  const older = base(
    [
      { id: 'start', type: 'trigger.manual', name: 'Start', position: { x: 0, y: 0 }, config: {} },
      { id: 'fetch', type: 'http.request', name: 'Fetch', position: { x: 300, y: 0 }, config: { url: 'https://a.example' } },
      { id: 'gone', type: 'transform.set', name: 'Old tag', position: { x: 600, y: 0 }, config: {} },
    ],
    [{ source: 'start', target: 'fetch' }, { source: 'fetch', target: 'gone' }],
    { charter: { owner: { name: 'Ann', email: 'ann@example.com' } } },
  );
  const newer = base(
    [
      { id: 'start', type: 'trigger.manual', name: 'Start', position: { x: 0, y: 0 }, config: {} },
      { id: 'fetch', type: 'http.request', name: 'Fetch', position: { x: 300, y: 0 }, config: { url: 'https://b.example' } },
      { id: 'tell', type: 'transform.set', name: 'Tell the team', position: { x: 600, y: 100 }, config: {} },
    ],
    [{ source: 'start', target: 'fetch' }, { source: 'fetch', sourcePort: 'error', target: 'tell' }],
    { name: 'Invoices v2', charter: { owner: { name: 'Bo', email: 'ann@example.com' } } },
  );
  const diff = diffFlows(older as never, newer as never);
  const groups = changeGroups(diff, older, newer, catalog);
  const group = (title: string) => groups.find((g) => g.title === title)?.entries ?? [];

  it('lists steps added, removed and changed field by field, before → after', () => {
    expect(group('Steps').map((e) => e.title)).toEqual(['Added “Tell the team”', 'Removed “Old tag”', 'Changed “Fetch”']);
    const fetch = group('Steps').find((e) => e.kind === 'step-changed')!;
    expect(fetch.typeTitle).toBe('HTTP request');
    expect(fetch.fields).toEqual([{ label: 'Address (URL)', before: valueText('https://a.example'), after: valueText('https://b.example') }]);
  });

  it('lists connections by the steps’ names, the error port in words', () => {
    expect(group('Connections').map((e) => e.title).sort()).toEqual(['Connected “Fetch” (on error) → “Tell the team”', 'Disconnected “Fetch” → “Old tag”']);
    expect(connectionWords({ source: 'x', sourcePort: 'out', target: 'y', targetPort: 'in' }, [])).toBe('“x” → “y”');
  });

  it('lists the flow’s own fields and the charter', () => {
    expect(group('The flow').map((e) => e.title)).toEqual(['Flow name']);
    expect(group('Charter').map((e) => [e.title, e.fields[0]!.before.short, e.fields[0]!.after.short])).toEqual([['Owner › Name', '“Ann”', '“Bo”']]);
    expect(diffHeadline(diff)).toBe('1 step added, 1 step removed, 1 step changed, 2 connections changed, the flow’s own details, 1 charter field.');
  });

  it('has nothing to list for the same flow', () => {
    const same = diffFlows(older as never, older as never);
    expect(changeGroups(same, older, older, catalog)).toEqual([]);
    expect(diffHeadline(same)).toBe('The two versions are the same.');
  });
});

describe('a charter handed over', () => {
  it('reads as who handed it to whom, and when', () => {
    const older = base([], [], { charter: { owner: { name: 'Ana', email: 'ana@example.com' } } });
    const newer = base([], [], { charter: { owner: { name: 'Carla', email: 'carla@example.com' }, handedOver: [{ from: { name: 'Ana', email: 'ana@example.com' }, to: { name: 'Carla', email: 'carla@example.com' }, at: '2026-12-01T10:00:00.000Z', by: 'Carla', bundleCreatedAt: '2026-11-30T09:00:00.000Z' }] } });
    const entry = changeGroups(withoutEmptyChanges(diffFlows(older as never, newer as never)), older, newer, catalog)
      .find((g) => g.title === 'Charter')!
      .entries.find((e) => e.title === 'Handed over')!;
    expect(entry.fields[0]!.after.short).toBe('“Ana → Carla (2026-12-01)”');
  });
});

describe('withoutEmptyChanges', () => {
  it('drops fields that went from absent to empty, and a step left with none is no longer changed', () => {
    const older = base([{ id: 'a', type: 'transform.set', name: 'A', position: { x: 0, y: 0 }, config: {} }], []);
    const newer = base([{ id: 'a', type: 'transform.set', name: 'A', position: { x: 0, y: 0 }, config: { note: '' } }], [], { charter: { owner: { name: 'Ana', email: '' }, waivers: [] } });
    const raw = diffFlows(older as never, newer as never);
    expect(raw.nodesChanged).toHaveLength(1);
    const clean = withoutEmptyChanges(raw);
    expect(clean.nodesChanged).toEqual([]);
    expect(clean.charter.map((c) => c.path)).toEqual(['owner.name']);
    expect(clean.identical).toBe(false);
    expect(withoutEmptyChanges(diffFlows(older as never, base([{ id: 'a', type: 'transform.set', name: 'A', position: { x: 0, y: 0 }, config: { note: '' } }], []) as never)).identical).toBe(true);
  });
});
