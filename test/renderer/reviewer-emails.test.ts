/** Settings → Review reminders by e-mail: rows checked before saving, saved as name → address. */
import { describe, expect, it } from 'vitest';
import { emailRowProblems, emailsFromRows, rowsFromEmails } from '../../renderer/alerts/reviewer-emails.ts';

describe('reviewer e-mail rows', () => {
  it('names each wrong row and saves the right ones by name', () => {
    let n = 0;
    const rows = [...rowsFromEmails({ Ana: 'ana@example.com' }, () => `k${n++}`), { key: 'b', name: 'Ben', email: 'ben at example' }, { key: 'c', name: '', email: 'x@example.com' }, { key: 'd', name: 'ana', email: 'a@example.com' }, { key: 'e', name: '', email: '' }];
    expect(emailRowProblems(rows)).toEqual({ b: 'An e-mail address looks like ana@example.com.', c: "Write the reviewer's name, as review steps assign it.", d: '"ana" is listed twice.' });
    expect(emailsFromRows([{ key: 'a', name: ' Ana ', email: ' ana@example.com ' }, { key: 'e', name: '', email: '' }])).toEqual({ Ana: 'ana@example.com' });
  });
});
