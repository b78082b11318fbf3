import { describe, expect, it } from 'vitest';
import { bridgeProbeUrl, bridgeSocketUrl, takeAccessKey } from '../../renderer/access-key.ts';
import { formatRoute, parseRoute, sectionOf, type Route } from '../../renderer/logic/route.ts';
import { inboxItemLink, inboxItemRoute, bridgeBase } from '../../engine/inbox/inbox-link.ts';

describe('routes', () => {
  it('round-trips every screen through the hash', () => {
    for (const route of [
      { view: 'flows' },
      { view: 'runs' },
      { view: 'runs', status: 'failed', flowId: 'invoice-triage' },
      { view: 'run', runId: 'run-20261122T033843Z-166324ee' },
      { view: 'inbox' },
      { view: 'credentials' },
      { view: 'settings' },
    ] as const) {
      expect(parseRoute(formatRoute(route))).toEqual(route);
    }
  });

  it('opens the editor for a flow, and a past run of it on the canvas', () => {
    const editor: Route = { view: 'editor', flowId: 'invoice-triage' };
    const travel: Route = { view: 'editor', flowId: 'invoice-triage', runId: 'run-1/x' };
    expect(formatRoute(editor)).toBe('#/flows/invoice-triage');
    expect(parseRoute(formatRoute(editor))).toEqual(editor);
    expect(parseRoute(formatRoute(travel))).toEqual(travel);
    expect(sectionOf(travel)).toBe('flows');
  });

  it('opens the flow page beside the canvas (Overview)', () => {
    const overview: Route = { view: 'editor', flowId: 'invoice-triage', tab: 'overview' };
    expect(formatRoute(overview)).toBe('#/flows/invoice-triage/overview');
    expect(parseRoute(formatRoute(overview))).toEqual(overview);
    expect(sectionOf(overview)).toBe('flows');
  });

  it('compares two versions of a flow on the canvas; a broken address falls back to the flow page', () => {
    const compare: Route = { view: 'compare', flowId: 'invoice-triage', from: 2, to: 5 };
    expect(formatRoute(compare)).toBe('#/flows/invoice-triage/compare/2/5');
    expect(parseRoute(formatRoute(compare))).toEqual(compare);
    expect(sectionOf(compare)).toBe('flows');
    expect(parseRoute('#/flows/invoice-triage/compare/x/0')).toEqual({ view: 'editor', flowId: 'invoice-triage', tab: 'overview' });
  });

  it('opens one inbox item by its address, the same the engine builds for links', () => {
    const id = 'run-20261122T033843Z-166324ee:check:0';
    expect(parseRoute(inboxItemRoute(id))).toEqual({ view: 'inbox', itemId: id });
    expect(formatRoute({ view: 'inbox', itemId: id })).toBe(inboxItemRoute(id));
    expect(parseRoute(`${inboxItemRoute(id)}?token=k`)).toEqual({ view: 'inbox', itemId: id });
    expect(sectionOf({ view: 'inbox', itemId: id })).toBe('inbox');
  });

  it('falls back to Flows, and maps a run to the Runs section', () => {
    expect(parseRoute('')).toEqual({ view: 'flows' });
    expect(parseRoute('#/nowhere')).toEqual({ view: 'flows' });
    expect(parseRoute('#/runs/a%2Fb')).toEqual({ view: 'run', runId: 'a/b' });
    expect(parseRoute('#/runs/%E0%A4%A')).toEqual({ view: 'run', runId: '%E0%A4%A' });
    expect(sectionOf({ view: 'run', runId: 'x' })).toBe('runs');
  });
});

function fakeBrowser(search: string, stored?: string) {
  const storage = new Map<string, string>(stored ? [['flowkeeper.accessKey', stored]] : []);
  const replaced: string[] = [];
  return {
    location: { protocol: 'http:', host: '127.0.0.1:7654', pathname: '/', search, hash: '#/runs' },
    storage: { getItem: (k: string) => storage.get(k) ?? null, setItem: (k: string, v: string) => void storage.set(k, v) },
    history: { replaceState: (_d: unknown, _u: string, url?: string) => void replaced.push(url ?? '') },
    storageMap: storage,
    replaced,
  };
}

describe('access key', () => {
  it('takes the key from the link once, keeps it for the tab and cleans the address bar', () => {
    const b = fakeBrowser('?token=abc&x=1');
    expect(takeAccessKey(b.location, b.storage, b.history)).toBe('abc');
    expect(b.storageMap.get('flowkeeper.accessKey')).toBe('abc');
    expect(b.replaced).toEqual(['/?x=1#/runs']);
  });

  it('takes a key given after the "#" (a link to one item), and cleans it from the address bar too', () => {
    const b = { ...fakeBrowser(''), location: { ...fakeBrowser('').location, hash: '#/inbox/run-1%3Acheck%3A0?token=k%2B1' } };
    const kept = fakeBrowser('');
    expect(takeAccessKey(b.location, kept.storage, kept.history)).toBe('k+1');
    expect(kept.storageMap.get('flowkeeper.accessKey')).toBe('k+1');
    expect(kept.replaced).toEqual(['/#/inbox/run-1%3Acheck%3A0']);
  });

  it('uses the kept key on reload, and nothing when there is none', () => {
    const b = fakeBrowser('', 'kept');
    expect(takeAccessKey(b.location, b.storage, b.history)).toBe('kept');
    expect(b.replaced).toEqual([]);
    const empty = fakeBrowser('');
    expect(takeAccessKey(empty.location, empty.storage, empty.history)).toBeUndefined();
    const throwing = { getItem: () => { throw new Error('disabled'); }, setItem: () => { throw new Error('disabled'); } };
    expect(takeAccessKey(empty.location, throwing, undefined)).toBeUndefined();
    expect(takeAccessKey(fakeBrowser('?token=k').location, throwing, undefined)).toBe('k');
  });

  it('builds the socket and probe addresses on the same host', () => {
    expect(bridgeSocketUrl({ protocol: 'http:', host: '127.0.0.1:7654' }, 'a b')).toBe('ws://127.0.0.1:7654/api/ws?token=a%20b');
    expect(bridgeSocketUrl({ protocol: 'https:', host: 'flows.example' }, undefined)).toBe('wss://flows.example/api/ws');
    expect(bridgeProbeUrl({ protocol: 'http:', host: '127.0.0.1:7654' }, 'k')).toBe('http://127.0.0.1:7654/api/ws?token=k');
  });
});

describe('inbox item links (engine/inbox/inbox-link.ts)', () => {
  it('builds the app address, the bridge address, and puts a key only after the "#"', () => {
    const id = 'run-1:check:0';
    expect(inboxItemLink(id)).toBe('#/inbox/run-1%3Acheck%3A0');
    expect(inboxItemLink(id, { base: bridgeBase(7654) })).toBe('http://127.0.0.1:7654/#/inbox/run-1%3Acheck%3A0');
    expect(inboxItemLink(id, { base: 'http://[::1]:80/' })).toBe('http://[::1]:80/#/inbox/run-1%3Acheck%3A0');
    const withKey = new URL(inboxItemLink(id, { base: bridgeBase(7654, '::1'), key: 'a/b+c' }));
    expect(withKey.search).toBe('');
    expect(withKey.pathname).toBe('/');
    expect(withKey.hash).toBe('#/inbox/run-1%3Acheck%3A0?token=a%2Fb%2Bc');
  });
});
