/** A mistake in how a command was called: main prints it with the command's usage, exit 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}
