/** Each credential a flow refers to: type, field names, scopes, which steps use it — never a value. */
import { describe, expect, it } from 'vitest';
import { credentialRequirements } from '../../../engine/handover/credential-requirements.ts';
import { registry } from '../../helpers/engine.ts';
import { supportFlow } from './fixture-flow.ts';

describe('credential requirements', () => {
  it('lists every credential of the steps and the alert route, typed from the list or the steps', () => {
    const flow = supportFlow();
    const reqs = credentialRequirements(flow, registry, new Map([['shop-api', { type: 'oauth2.client-credentials', fields: ['clientId', 'clientSecret', 'scope', 'tokenUrl'], scopes: ['orders:read', 'customers:read'] }]]));
    expect(reqs.map((r) => r.id)).toEqual(['hook-secret', 'mail', 'openai', 'shop-api']);
    const shop = reqs.find((r) => r.id === 'shop-api')!;
    expect(shop).toMatchObject({ type: 'oauth2.client-credentials', typeSource: 'stored', scopes: ['orders:read', 'customers:read'], usedBy: [{ kind: 'step', nodeId: 'fetch', title: 'Fetch customer' }] });
    expect(shop.fields.map((f) => f.name)).toEqual(['tokenUrl', 'clientId', 'clientSecret', 'scope', 'audience', 'clientAuthentication']);
    expect(shop.fields.find((f) => f.name === 'clientSecret')).toMatchObject({ secret: true, optional: false });
    expect(reqs.find((r) => r.id === 'mail')).toMatchObject({ type: 'smtp', typeSource: 'inferred', usedBy: [{ kind: 'step', nodeId: 'send' }, { kind: 'alerts', channel: 'email' }] });
    expect(reqs.find((r) => r.id === 'hook-secret')).toMatchObject({ type: 'webhook.secret', typeSource: 'inferred' });
    expect(reqs.find((r) => r.id === 'openai')).toMatchObject({ type: 'llm.api', fields: [{ name: 'apiKey' }, { name: 'baseUrl', optional: true }] });
  });

  it('skips a credential a step keeps but does not sign in with, and says when the type is unknown', () => {
    const flow = supportFlow();
    flow.nodes[1]!.config = { ...flow.nodes[1]!.config, auth: 'none' };
    flow.nodes.push({ id: 'other', type: 'http.request', version: 1, position: { x: 0, y: 0 }, config: { url: 'https://x.example', auth: 'oauth2', credential: 'mystery' } });
    const reqs = credentialRequirements(flow, registry, new Map());
    expect(reqs.some((r) => r.id === 'shop-api')).toBe(false);
    expect(reqs.find((r) => r.id === 'mystery')).toMatchObject({ type: '', typeSource: 'unknown', typeTitle: 'Unknown type: ask the builder', fields: [] });
  });
});
