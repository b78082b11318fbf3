import { describe, expect, it } from 'vitest';
import { hostOf, plainError, stepPrefix, tidyEngineWords } from '../../renderer/logic/plain-errors.ts';

describe('plain error sentences', () => {
  it('puts a sentence before a system error code, keeping the original as detail', () => {
    const message = 'Could not reach http://localhost:4020/v1/chat/completions: ECONNREFUSED.';
    expect(plainError({ message, code: 'NETWORK', details: { errno: 'ECONNREFUSED' } })).toEqual({ sentence: 'Nothing answered at localhost:4020 (connection refused).', technical: message });
    expect(plainError({ message: 'fetch failed: UND_ERR_SOCKET at https://api.example.com/x' }).sentence).toBe('Api.example.com closed the connection before it answered.');
    expect(plainError({ message: 'Could not reach http://nowhere.invalid/: ENOTFOUND.' }).sentence).toBe('The address nowhere.invalid could not be found (no such host name).');
  });

  it('keeps the item count of a step whose items failed', () => {
    const message = '4 of 4 items failed in node "Classify email". First: Could not reach http://127.0.0.1:4020/v1: ECONNREFUSED.';
    expect(plainError({ message }).sentence).toBe('4 of 4 items failed in “Classify email”. First: Nothing answered at 127.0.0.1:4020 (connection refused).');
  });

  it('leaves a message without codes alone (minus stack lines)', () => {
    expect(plainError({ message: 'The server answered 503.\n    at x (y.js:1:2)' })).toEqual({ sentence: 'The server answered 503.' });
    expect(plainError({ message: 'EXPRESSION is not a code we know' })).toEqual({ sentence: 'EXPRESSION is not a code we know' });
  });

  it('speaks the screen’s words: button labels, curly quotes, call kinds', () => {
    expect(tidyEngineWords('Flowkeeper stopped while node "Send invoice" was sending item 3 (http). Then choose "send-again" if it did not arrive, "skip-item" if it did, or "cancel" to stop the run.')).toBe(
      'Flowkeeper stopped while “Send invoice” was sending item 3 (a web request). Then choose “Send it again” if it did not arrive, “Skip this item” if it did, or “Cancel the run” to stop the run.',
    );
  });

  it('names a step once', () => {
    expect(stepPrefix('Send', 'It failed.')).toBe('At “Send”: ');
    expect(stepPrefix('Send', '2 of 4 items failed in “Send”.')).toBe('');
    expect(stepPrefix(undefined, 'x')).toBe('');
    expect(hostOf('not a url')).toBe('not a url');
  });
});
