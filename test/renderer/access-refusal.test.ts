import { describe, expect, it } from 'vitest';
import { asRefusalReason, describeRefusal } from '../../renderer/logic/access-refusal.ts';

describe('a refused access key, in words', () => {
  it('reads the bridge’s reason and nothing else', () => {
    expect(asRefusalReason({ ok: false, error: { code: 'UNAUTHORIZED', details: { reason: 'replaced' } } })).toBe('replaced');
    expect(asRefusalReason({ ok: false, error: { details: { reason: 'guessed' } } })).toBeUndefined();
    expect(asRefusalReason(undefined)).toBeUndefined();
  });

  it('says what happened', () => {
    expect(describeRefusal('replaced').title).toBe('This access key was replaced');
    expect(describeRefusal('replaced').text).toContain('--new-key');
    expect(describeRefusal('unknown').text).toContain('Restarting alone does not change the key');
    expect(asRefusalReason({ ok: false, error: { details: { reason: 'revoked' } } })).toBe('revoked');
    expect(describeRefusal('revoked').title).toBe('This reviewer link was withdrawn');
    expect(describeRefusal(undefined)).toEqual({ title: 'This page needs its access key', text: '' });
  });
});
