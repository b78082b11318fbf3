/**
 * Cleaning what goes into a hand-over bundle. Traces already keep credential values out (the
 * runner's Redactor replaces every value a step read from a credential before a line is
 * written), but a bundle leaves the machine, so it is cleaned again, belt and braces:
 *  - `Scrubber`: the builder's current credential values (read from the keychain at export),
 *    sign-in headers by name (Authorization, Cookie, X-API-Key, a step's own key header) and
 *    anything shaped like a token (`Bearer …`, Slack `xox…-`, `sk-…`, GitHub `ghp_…`, JWTs).
 *  - `Masker`: personal data by field path (`email`, `customer.name`): each distinct value gets a
 *    stable mask («masked 1») used everywhere it appears, also inside longer texts (a prompt
 *    quoting the address), so a replay still sees the same shapes and equal values stay equal.
 *
 * May import: engine/model, engine/trace (its public face).
 */
import { maskLabel } from '../model/handover-bundle.ts';
import { REDACTED, Redactor } from '../trace/index.ts';

/** Header names that carry a sign-in, in any case. */
const SIGN_IN_HEADERS = ['authorization', 'proxy-authorization', 'cookie', 'set-cookie', 'x-api-key', 'api-key', 'apikey', 'x-auth-token', 'x-access-token', 'x-webhook-secret'];

/** Shapes of tokens, replaced wherever they occur inside a text. */
const TOKEN_SHAPES: ReadonlyArray<[RegExp, string]> = [
  [/\b(Bearer|Basic|Token)\s+(?!\[redacted\])[A-Za-z0-9._~+/=-]{4,}/gi, `$1 ${REDACTED}`],
  [/\bxox[abposr]-[A-Za-z0-9-]{8,}/g, REDACTED],
  [/\bsk-[A-Za-z0-9_-]{16,}/g, REDACTED],
  [/\bgh[pousr]_[A-Za-z0-9]{20,}/g, REDACTED],
  [/\bpat[A-Za-z0-9]{14}\.[A-Za-z0-9]{20,}/g, REDACTED],
  [/\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g, REDACTED],
];

export class Scrubber {
  private readonly redactor = new Redactor();
  private readonly headers: Set<string>;
  /** How many values were changed. */
  count = 0;

  /** `secrets`: credential values to remove; `headerNames`: more sign-in headers (a step's own). */
  constructor(secrets: Iterable<string>, headerNames: Iterable<string> = []) {
    for (const secret of secrets) this.redactor.add(secret);
    this.headers = new Set([...SIGN_IN_HEADERS, ...[...headerNames].map((h) => h.toLowerCase())]);
  }

  text(value: string): string {
    let out = this.redactor.redactString(value);
    for (const [shape, replacement] of TOKEN_SHAPES) out = out.replace(shape, replacement);
    if (out !== value) this.count += 1;
    return out;
  }

  /** A deep copy of a JSON value, cleaned. */
  value<T>(value: T): T {
    return this.walk(value) as T;
  }

  private walk(value: unknown): unknown {
    if (typeof value === 'string') return this.text(value);
    if (Array.isArray(value)) return value.map((v) => this.walk(v));
    if (value === null || typeof value !== 'object') return value;
    const source = value as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    // A `{ name: "Authorization", value: "…" }` pair, as a step's header list holds them.
    const pairIsSignIn = typeof source.name === 'string' && this.headers.has(source.name.toLowerCase()) && typeof source.value === 'string';
    for (const [key, v] of Object.entries(source)) {
      if ((this.headers.has(key.toLowerCase()) || (pairIsSignIn && key === 'value')) && v !== REDACTED && (typeof v === 'string' || Array.isArray(v))) {
        this.count += 1;
        out[key] = REDACTED;
      } else {
        out[key] = this.walk(v);
      }
    }
    return out;
  }
}

export class Masker {
  private readonly paths: string[][];
  private readonly masks = new Map<string, string>();
  private readonly maskTexts = new Set<string>();
  /** Masked texts long enough to be looked for inside other texts, longest first when used. */
  private readonly quoted = new Map<string, string>();

  constructor(fields: readonly string[]) {
    this.paths = fields.map((f) => f.split('.').filter((part) => part !== ''));
  }

  /** How many distinct values were masked so far. */
  get size(): number {
    return this.masks.size;
  }

  /**
   * Masks the fields in a JSON value (a deep copy). Call `finish` on every masked value after all
   * of them went through `mask`, so a value masked in one run is also replaced inside texts of
   * another.
   */
  mask<T>(value: T): T {
    if (this.paths.length === 0) return value;
    return this.walk(value) as T;
  }

  /** Replaces masked values quoted inside longer texts. */
  finish<T>(value: T): T {
    if (this.quoted.size === 0) return value;
    const needles = [...this.quoted.entries()].sort((a, b) => b[0].length - a[0].length);
    const inText = (text: string): string => {
      if (this.maskTexts.has(text)) return text;
      let out = text;
      for (const [needle, mask] of needles) if (out.includes(needle)) out = out.split(needle).join(mask);
      return out;
    };
    const walk = (v: unknown): unknown => {
      if (typeof v === 'string') return inText(v);
      if (Array.isArray(v)) return v.map(walk);
      if (v === null || typeof v !== 'object') return v;
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    };
    return walk(value) as T;
  }

  private walk(value: unknown): unknown {
    if (Array.isArray(value)) return value.map((v) => this.walk(v));
    if (value === null || typeof value !== 'object') return value;
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) out[key] = this.walk(v);
    // A path matches at any depth: items travel wrapped (outputs, bodies, review requests).
    for (const path of this.paths) this.maskAt(out, path);
    return out;
  }

  private maskAt(target: unknown, path: readonly string[]): void {
    if (Array.isArray(target)) {
      for (const entry of target) this.maskAt(entry, path);
      return;
    }
    if (target === null || typeof target !== 'object' || path.length === 0) return;
    const record = target as Record<string, unknown>;
    const [head, ...rest] = path as [string, ...string[]];
    if (!Object.hasOwn(record, head)) return;
    if (rest.length === 0) record[head] = this.maskDeep(record[head]);
    else this.maskAt(record[head], rest);
  }

  private maskDeep(value: unknown): unknown {
    if (value === null || value === undefined) return value;
    if (Array.isArray(value)) return value.map((v) => this.maskDeep(v));
    if (typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.maskDeep(v)]));
    if (typeof value === 'string' && this.maskTexts.has(value)) return value;
    const key = JSON.stringify(value);
    let mask = this.masks.get(key);
    if (mask === undefined) {
      mask = maskLabel(this.masks.size + 1);
      this.masks.set(key, mask);
      this.maskTexts.add(mask);
      const text = String(value);
      if (text.length >= 4) {
        this.quoted.set(text, mask);
        // As it appears in a recorded address or form body (`?email=ana%40example.com`).
        const encoded = encodeURIComponent(text);
        if (encoded !== text) this.quoted.set(encoded, encodeURIComponent(mask));
      }
    }
    return mask;
  }
}
