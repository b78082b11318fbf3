/**
 * Reads a recipients text ("Ann Smith <ann@example.com>, bob@example.com, {{ customer.email }}")
 * into its addresses, the way the e-mail step will: commas separate addresses except inside
 * quotes, angle brackets and `{{ }}`. Pure, so the inspector can say before any run which
 * addresses it read and which do not look like one. Parts with `{{ }}` are only known per item.
 */

export interface RecipientPart {
  /** The part as written, trimmed. */
  text: string;
  /** The bare address (`ann@example.com`) when the part is fixed text. */
  address?: string;
  /** Holds `{{ }}`: its addresses come from each item. */
  fromItem: boolean;
  /** Fixed text that looks like an address (name@example.com). */
  ok: boolean;
}

// The same shape the e-mail step accepts (nodes/integration/email-send.ts).
const ADDRESS = /^[^@\s<>]+@[^@\s<>]+\.?[^@\s<>]*$/;

export function splitRecipients(text: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  let angle = false;
  let braces = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '{' && text[i + 1] === '{') braces++;
    else if (ch === '}' && text[i + 1] === '}' && braces > 0) braces--;
    else if (ch === '"' && braces === 0) quoted = !quoted;
    else if (ch === '<' && !quoted && braces === 0) angle = true;
    else if (ch === '>' && !quoted && braces === 0) angle = false;
    if (ch === ',' && !quoted && !angle && braces === 0) {
      parts.push(current);
      current = '';
    } else current += ch;
  }
  parts.push(current);
  return parts.map((p) => p.trim()).filter((p) => p !== '');
}

export function readRecipients(text: string): RecipientPart[] {
  return splitRecipients(text).map((part) => {
    if (part.includes('{{')) return { text: part, fromItem: true, ok: true };
    const bracketed = /<([^<>]*)>\s*$/.exec(part);
    const address = (bracketed ? bracketed[1]! : part).trim();
    return { text: part, address, fromItem: false, ok: ADDRESS.test(address) };
  });
}
