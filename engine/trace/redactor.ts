/**
 * Removes known secret values from what is written to traces, blobs and logs. Secrets are replaced
 * inside string values only (never in keys or structure), so a short secret that happens to match
 * a field name or a literal like `true` cannot damage a trace line.
 */
export const REDACTED = '[redacted]';
const MIN_SECRET_LENGTH = 4;

export class Redactor {
  private readonly needles = new Set<string>();

  add(secret: string): void {
    if (secret.length < MIN_SECRET_LENGTH) return;
    this.needles.add(secret);
    // The same secret as it appears inside a JSON text or a URL/form body held in a string.
    this.needles.add(JSON.stringify(secret).slice(1, -1));
    this.needles.add(encodeURIComponent(secret));
  }

  get size(): number {
    return this.needles.size;
  }

  redactString(text: string): string {
    let out = text;
    for (const needle of this.needles) {
      if (out.includes(needle)) out = out.split(needle).join(REDACTED);
    }
    return out;
  }

  /** JSON.stringify with every string value redacted. */
  stringify(value: unknown): string {
    if (this.needles.size === 0) return JSON.stringify(value);
    return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'string' ? this.redactString(v) : v));
  }

  /** Deep copy of a JSON value with secrets replaced. */
  redactValue<T>(value: T): T {
    if (this.needles.size === 0) return value;
    return JSON.parse(this.stringify(value)) as T;
  }
}
