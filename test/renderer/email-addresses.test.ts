/** The inspector reads a recipients text the way the e-mail step does, before any run. */
import { describe, expect, it } from 'vitest';
import { readRecipients, splitRecipients } from '../../renderer/inspector/email-addresses.ts';

describe('recipients of an e-mail', () => {
  it('splits on commas, but not inside quotes, angle brackets or {{ }}', () => {
    expect(splitRecipients('"Smith, Ann" <ann@example.com>, bob@example.com,, {{ $join([a, b], ",") }} ')).toEqual(['"Smith, Ann" <ann@example.com>', 'bob@example.com', '{{ $join([a, b], ",") }}']);
    expect(splitRecipients('  ')).toEqual([]);
  });

  it('takes the address out of "Name <address>" and flags what does not look like one', () => {
    expect(readRecipients('Ann <ann@example.com>, bob@, {{ customer.email }}, carl@example.org')).toEqual([
      { text: 'Ann <ann@example.com>', address: 'ann@example.com', fromItem: false, ok: true },
      { text: 'bob@', address: 'bob@', fromItem: false, ok: false },
      { text: '{{ customer.email }}', fromItem: true, ok: true },
      { text: 'carl@example.org', address: 'carl@example.org', fromItem: false, ok: true },
    ]);
    expect(readRecipients('Ann Smith').map((p) => p.ok)).toEqual([false]);
  });
});
