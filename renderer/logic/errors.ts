/**
 * Any failure as something to show a person: what went wrong, what to do next, and where
 * (validation problems). Never a stack trace.
 */
import { withoutStack } from './format.ts';
import type { ProblemLike } from './problems.ts';

export interface ErrorView {
  code: string;
  message: string;
  hint?: string;
  problems?: ProblemLike[];
}

export function toErrorView(error: unknown): ErrorView {
  const e = (error ?? {}) as { code?: unknown; message?: unknown; hint?: unknown; problems?: unknown };
  const view: ErrorView = {
    code: typeof e.code === 'string' ? e.code : 'INTERNAL',
    message: typeof e.message === 'string' && e.message.trim() !== '' ? withoutStack(e.message) : 'Something went wrong.',
  };
  if (typeof e.hint === 'string' && e.hint !== '') view.hint = e.hint;
  if (Array.isArray(e.problems) && e.problems.length > 0) {
    view.problems = e.problems.filter((p): p is ProblemLike => typeof (p as ProblemLike | null)?.message === 'string').map((p) => ({ ...p, path: typeof p.path === 'string' ? p.path : '$' }));
  }
  return view;
}
