/**
 * Removes known secret values from serialized trace lines and log text before they are written.
 * Secrets are matched in their JSON-escaped form, since that is how they appear in a line.
 */
export const REDACTED = '[redacted]';
const MIN_SECRET_LENGTH = 4;

export class Redactor {
  private readonly needles = new Set<string>();

  add(secret: string): void {
    if (secret.length < MIN_SECRET_LENGTH) return;
    this.needles.add(secret);
    const escaped = JSON.stringify(secret).slice(1, -1);
    if (escaped !== secret) this.needles.add(escaped);
  }

  get size(): number {
    return this.needles.size;
  }

  redactLine(line: string): string {
    if (this.needles.size === 0) return line;
    let out = line;
    for (const needle of this.needles) {
      if (out.includes(needle)) out = out.split(needle).join(REDACTED);
    }
    return out;
  }

  /** Deep copy of a JSON value with secrets replaced. */
  redactValue<T>(value: T): T {
    if (this.needles.size === 0) return value;
    return JSON.parse(this.redactLine(JSON.stringify(value))) as T;
  }
}
