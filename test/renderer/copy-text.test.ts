import { describe, expect, it } from 'vitest';
import { COPY_FAILED_MESSAGE, copyText } from '../../renderer/logic/copy-text.ts';

describe('copying text', () => {
  it('writes the text to the clipboard', async () => {
    const written: string[] = [];
    expect(await copyText('{"a":1}', { writeText: async (text) => void written.push(text) })).toEqual({ ok: true });
    expect(written).toEqual(['{"a":1}']);
  });

  it('says what to do when the clipboard refuses (a denied permission)', async () => {
    const refusing = { writeText: () => Promise.reject(new DOMException('Write permission denied.', 'NotAllowedError')) };
    expect(await copyText('x', refusing)).toEqual({ ok: false, message: COPY_FAILED_MESSAGE });
    expect(COPY_FAILED_MESSAGE).toMatch(/Could not copy.*Ctrl\+C/);
  });

  it('says so when there is no clipboard at all (not a secure context)', async () => {
    expect(await copyText('x', undefined)).toEqual({ ok: false, message: COPY_FAILED_MESSAGE });
  });
});
