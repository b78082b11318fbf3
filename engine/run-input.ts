/**
 * Checks a run's input before anything is written for the run. A value nested thousands of
 * levels deep would overflow the stack while the trace header is written (and leave an empty
 * trace behind); it gets the same depth limit and plain words as a flow file instead.
 */
import { LIMITS } from './model/validate.ts';
import { NodeError } from './model/node-kit.ts';

export class RunInputInvalidError extends NodeError {
  constructor(message: string, hint: string) {
    super({ message, code: 'INPUT_INVALID', retryable: false, hint });
    this.name = 'RunInputInvalidError';
  }
}

/** Throws `RunInputInvalidError` when the input is nested deeper than flow files may be. */
export function checkRunInput(input: unknown, where = 'The run input'): void {
  // Iterative on purpose: the point is to survive inputs too deep for recursion.
  const stack: Array<{ value: unknown; depth: number }> = [{ value: input, depth: 0 }];
  while (stack.length > 0) {
    const { value, depth } = stack.pop()!;
    if (value === null || typeof value !== 'object') continue;
    if (depth >= LIMITS.depth) {
      throw new RunInputInvalidError(
        `${where} is nested more than ${LIMITS.depth} levels deep, the same limit as for flow files. The run was not started.`,
        'Flatten the input (fewer lists inside lists or objects inside objects), then start the run again.',
      );
    }
    for (const child of Array.isArray(value) ? value : Object.values(value)) stack.push({ value: child, depth: depth + 1 });
  }
}
