/**
 * The regular-expression engine jsonata uses for `/pattern/` literals in flow expressions.
 *
 * JavaScript's own `RegExp` backtracks: a pattern such as `/^(a+)+$/` against 36 a's and a "!"
 * runs for hours in one synchronous call, which no timer, abort signal or Ctrl-C can interrupt.
 * RE2 (here its pure-JS port `re2js`, no native binary) matches in time linear in the input, so a
 * regex can never freeze the runner. The price: RE2 has no look-around and no back-references;
 * such a pattern is refused with a plain error (at validation and at run time) instead of running.
 *
 * The class mimics the part of `RegExp` that jsonata calls: `new Engine(regexp)`, `lastIndex`
 * and `exec(str)` with global semantics (jsonata always adds the `g` flag).
 */
import { RE2JS } from 're2js';

const cache = new Map<string, RE2JS>();
const MAX_CACHE = 1000;

/** Compiles a JS regex (source + flags) for RE2; throws `UnsupportedPatternError` when RE2 cannot run it. */
export function compileLinear(source: string, flags: string): RE2JS {
  const key = `${flags}/${source}`;
  const hit = cache.get(key);
  if (hit) return hit;
  let bits = 0;
  if (flags.includes('i')) bits |= RE2JS.CASE_INSENSITIVE;
  if (flags.includes('m')) bits |= RE2JS.MULTILINE;
  if (flags.includes('s')) bits |= RE2JS.DOTALL;
  let compiled: RE2JS;
  try {
    compiled = RE2JS.compile(RE2JS.translateRegExp(source), bits);
  } catch (error) {
    throw new UnsupportedPatternError(source, error);
  }
  if (cache.size > MAX_CACHE) cache.clear();
  cache.set(key, compiled);
  return compiled;
}

export class UnsupportedPatternError extends Error {
  readonly pattern: string;
  constructor(pattern: string, cause: unknown) {
    const detail = cause instanceof Error ? cause.message : String(cause);
    super(
      `The pattern /${pattern}/ cannot be used: ${detail}. Flowkeeper runs patterns with a safe engine that has no ` +
        'look-ahead, look-behind or back-references (\\1), so a pattern can never freeze a run; rewrite it without them',
    );
    this.name = 'UnsupportedPatternError';
    this.pattern = pattern;
  }
}

/** A `RegExp` look-alike backed by RE2 (linear-time matching). */
export class LinearRegExp {
  lastIndex = 0;
  readonly source: string;
  readonly flags: string;
  private readonly re: RE2JS;

  constructor(pattern: RegExp | string, flags?: string) {
    this.source = typeof pattern === 'string' ? pattern : pattern.source;
    this.flags = flags ?? (typeof pattern === 'string' ? '' : pattern.flags);
    this.re = compileLinear(this.source, this.flags);
  }

  exec(input: string): (string[] & { index: number; input: string }) | null {
    const from = this.flags.includes('g') || this.flags.includes('y') ? this.lastIndex : 0;
    if (from > input.length) {
      this.lastIndex = 0;
      return null;
    }
    const matcher = this.re.matcher(input);
    if (!matcher.find(from)) {
      this.lastIndex = 0;
      return null;
    }
    const groups: string[] = [];
    for (let g = 0; g <= matcher.groupCount(); g++) groups.push(matcher.group(g) ?? (undefined as unknown as string));
    const match = Object.assign(groups, { index: matcher.start(), input });
    this.lastIndex = matcher.end();
    return match;
  }

  test(input: string): boolean {
    return this.exec(input) !== null;
  }
}
