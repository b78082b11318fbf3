/**
 * Lints a snippet as if it lived at `file` (relative to the repo), with the repo's own
 * eslint.config.js, and returns the messages of the restriction rules. The architecture tests use
 * it to prove that each rule fails when broken, not only that today's code passes.
 */
import { join } from 'node:path';
import { ESLint } from 'eslint';

const root = join(import.meta.dirname, '..', '..');
const eslint = new ESLint({ cwd: root });

export async function restrictionProblems(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(root, file) });
  return (result?.messages ?? []).filter((m) => m.ruleId?.includes('restricted')).map((m) => m.message);
}
