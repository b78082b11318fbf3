/** Only the app's own hash routes reach the page's address when a notification is clicked. */
import { describe, expect, it } from 'vitest';
import { appLinkHash } from '../../electron/app-link.ts';

describe('appLinkHash', () => {
  it('passes the routes notices carry', () => {
    for (const link of ['#/runs/run-1', '#/inbox/run-1%3Areview%3A0', '#/inbox', '#/flows/invoice-sync', '#/dashboard?flow=a&days=7'.replace('?', '/')]) expect(appLinkHash(link)).toBe(link);
  });
  it('refuses anything that is not a hash route of the app', () => {
    for (const link of [undefined, '', 'https://evil.example/#/runs/x', 'javascript:alert(1)', '#/runs/x"; alert(1); "', "#/runs/x'", '#/runs/<img>', '#/runs/a b', `#/${'a'.repeat(600)}`]) expect(appLinkHash(link)).toBeUndefined();
  });
});
