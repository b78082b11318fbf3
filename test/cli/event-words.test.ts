/**
 * Progress lines in words: a step that cannot read its credential says so, not
 * `secret:openai-key call for item 0 failed` (an internal call kind and an item that is not one).
 */
import { describe, expect, it } from 'vitest';
import { describeEvent } from '../../cli/format.ts';
import type { RunEvent } from '../../engine/model/events.ts';

describe('describeEvent', () => {
  it('a credential that could not be read', () => {
    const event = { type: 'external.result', ts: 0, seq: 1, nodeId: 'draft', itemIndex: -1, kind: 'secret:openai-key', call: 0, attempt: 1, error: { message: 'Credential "openai-key" is not available.', code: 'CREDENTIAL_MISSING', retryable: false } } as unknown as RunEvent;
    const text = describeEvent(event, new Map([['draft', 'Draft reply']]));
    expect(text).toBe('"Draft reply" could not read the credential "openai-key": Credential "openai-key" is not available.');
  });
});
