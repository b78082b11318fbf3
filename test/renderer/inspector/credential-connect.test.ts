// @vitest-environment jsdom
/**
 * The Connect / Reconnect button of an OAuth2 sign-in as a person: opens the sign-in page the
 * API returns, waits for the result, and shows plain connected / expired states (never a token).
 */
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { createElement } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { CredentialInfo } from '../../../engine/model/contract.ts';

const calls: Array<{ method: string; args: unknown }> = [];
let results: Array<Record<string, unknown>> = [];
(globalThis as { flowkeeper?: unknown }).flowkeeper = {
  onEvent: () => () => {},
  invoke: async (method: string, args: unknown) => {
    calls.push({ method, args });
    if (method === 'credentials.connect') return { ok: true, result: { url: 'https://login.example.com/authorize?client_id=x', redirectUri: 'http://127.0.0.1:5555/callback' } };
    if (method === 'credentials.connectResult') return { ok: true, result: results.shift() ?? { state: 'waiting' } };
    if (method === 'credentials.list') return { ok: true, result: [] };
    if (method === 'credentials.status') return { ok: true, result: { keychain: 'available', fromEnvironment: [] } };
    return { ok: false, error: { code: 'UNKNOWN_METHOD', message: method } };
  },
};
const { ConnectButton, ConnectionState, connectionText, needsConnect } = await import('../../../renderer/views/credential-connect.tsx');

const base: CredentialInfo = { id: 'mailbox', type: 'oauth2.authorization-code', label: '', fields: ['authorizeUrl', 'clientId', 'clientSecret', 'tokenUrl'], updatedAt: '2026-12-01T09:00:00Z' };

afterEach(() => {
  cleanup();
  calls.length = 0;
  results = [];
});

describe('Connect for OAuth2 sign-ins', () => {
  it('is offered for the authorization-code type only, with plain states', () => {
    expect(needsConnect(base)).toBe(true);
    expect(needsConnect({ ...base, type: 'oauth2.client-credentials' })).toBe(false);
    expect(connectionText(base)).toBe('Not signed in yet: connect');
    expect(connectionText({ ...base, connection: { state: 'connected', at: '2026-12-01T09:00:00Z' } })).toBe('Signed in');
    render(createElement(ConnectionState, { credential: { ...base, connection: { state: 'expired', at: '2026-12-01T09:00:00Z' } } }));
    expect(screen.getByText('Sign-in expired or withdrawn: reconnect')).toBeTruthy();
  });

  it('opens the sign-in page in the browser and waits for the result', async () => {
    const open = vi.spyOn(window, 'open').mockImplementation(() => null);
    results = [{ state: 'waiting' }, { state: 'connected', credential: { ...base, connection: { state: 'connected', at: 'x' } } }];
    render(createElement(ConnectButton, { credential: base }));
    fireEvent.click(screen.getByRole('button', { name: 'Connect mailbox' }));
    await waitFor(() => expect(open).toHaveBeenCalledWith('https://login.example.com/authorize?client_id=x', '_blank', 'noopener'));
    await waitFor(() => expect(calls.filter((c) => c.method === 'credentials.connectResult')).toHaveLength(2));
    await waitFor(() => expect(screen.getByRole('button', { name: 'Connect mailbox' }).textContent).toBe('Connect'));
    expect(calls.find((c) => c.method === 'credentials.connectResult')!.args).toEqual({ id: 'mailbox', waitSeconds: 20 });
  });

  it('says Reconnect for an expired sign-in and shows why a sign-in failed', async () => {
    vi.spyOn(window, 'open').mockImplementation(() => null);
    results = [{ state: 'failed', message: 'The sign-in was declined on the provider\'s page, so nothing was connected.' }];
    render(createElement(ConnectButton, { credential: { ...base, connection: { state: 'expired', at: 'x' } } }));
    fireEvent.click(screen.getByRole('button', { name: 'Reconnect mailbox' }));
    expect((await screen.findByRole('alert')).textContent).toContain('The sign-in was declined');
  });
});
