/** Cleaning what leaves in a bundle: secrets by value, sign-in headers by name, token shapes; personal data masked consistently. */
import { describe, expect, it } from 'vitest';
import { Masker, Scrubber } from '../../../engine/handover/scrub.ts';

describe('Scrubber', () => {
  it('removes known values, sign-in headers and token-shaped text, keeping the structure', () => {
    const scrubber = new Scrubber(['s3cr3t-value'], ['X-Shop-Key']);
    const out = scrubber.value({
      request: { url: 'https://api.example.com/?key=s3cr3t-value', headers: { Authorization: 'Basic dXNlcjpwYXNz', 'x-shop-key': 'abcd1234', Accept: 'application/json' } },
      note: 'token was Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJlLXBhcnQ and slack xoxb-1234-5678-abcdefgh',
      headers: [{ name: 'Authorization', value: 'Token abc' }, { name: 'Accept', value: 'text/plain' }],
      count: 3,
    });
    const text = JSON.stringify(out);
    expect(text).not.toContain('s3cr3t-value');
    expect(text).not.toContain('dXNlcjpwYXNz');
    expect(text).not.toContain('abcd1234');
    expect(text).not.toContain('eyJhbGci');
    expect(text).not.toContain('xoxb-1234');
    expect(out.request.headers.Accept).toBe('application/json');
    expect(out.headers[1]).toEqual({ name: 'Accept', value: 'text/plain' });
    expect(out.headers[0]!.value).toBe('[redacted]');
    expect(out.count).toBe(3);
    expect(scrubber.count).toBeGreaterThanOrEqual(5);
  });

  it('leaves text without secrets alone and counts nothing', () => {
    const scrubber = new Scrubber([]);
    expect(scrubber.value({ a: 'Hello Ana', b: [1, true, null] })).toEqual({ a: 'Hello Ana', b: [1, true, null] });
    expect(scrubber.count).toBe(0);
  });
});

describe('Masker', () => {
  it('masks a field at any depth with one mask per distinct value, also inside longer texts', () => {
    const masker = new Masker(['email', 'customer.name']);
    const a = masker.mask({ outputs: { out: [{ email: 'ana@example.com', customer: { name: 'Ana Lima', id: 7 } }] } });
    const b = masker.mask({ request: { body: { to: 'x', email: 'ana@example.com', prompt: 'Write to Ana Lima at ana@example.com' }, customer: { name: 'Ben Ode' }, name: 'not a customer field' } });
    const [fa, fb] = [masker.finish(a), masker.finish(b)];
    expect(fa.outputs.out[0]).toEqual({ email: '«masked 1»', customer: { name: '«masked 2»', id: 7 } });
    expect(fb.request.body.email).toBe('«masked 1»');
    expect(fb.request.body.prompt).toBe('Write to «masked 2» at «masked 1»');
    expect(fb.request.customer.name).toBe('«masked 3»');
    expect(fb.request.name).toBe('not a customer field');
    expect(masker.size).toBe(3);
  });

  it('masks every leaf of a masked object or list, keeping its shape', () => {
    const masker = new Masker(['customer']);
    expect(masker.mask({ customer: { name: 'Ana', tags: ['vip', 'vip'] } })).toEqual({ customer: { name: '«masked 1»', tags: ['«masked 2»', '«masked 2»'] } });
  });

  it('does nothing without fields', () => {
    const value = { email: 'a@b.c' };
    expect(new Masker([]).mask(value)).toBe(value);
  });
});
