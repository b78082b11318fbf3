/**
 * No page may log an error (a CSP violation, a failed load, a React warning) or throw: each test
 * of the spec that calls this fails if its page did — unless the test is annotated
 * `expects-console-errors` (it provokes them on purpose). `push` records one more (another page
 * the test opens), `clear` forgets those so far (after a step that is meant to log one).
 */
import { expect, test } from '@playwright/test';

export function failOnPageErrors(options: { ignore?: RegExp } = {}): { push(message: string): void; clear(): void } {
  let errors: string[] = [];
  test.beforeEach(({ page }) => {
    errors = [];
    page.on('console', (message) => {
      if (message.type() === 'error' && !options.ignore?.test(message.text())) errors.push(message.text());
    });
    page.on('pageerror', (error) => errors.push(error.message));
  });
  test.afterEach(() => {
    if (!test.info().annotations.some((a) => a.type === 'expects-console-errors')) expect(errors).toEqual([]);
  });
  return { push: (message) => void errors.push(message), clear: () => void (errors = []) };
}
