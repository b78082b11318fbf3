/**
 * Writes docs/flow.schema.json from the zod schema (engine/model/flow.ts), so editors can
 * validate and complete flow files. `npm run schema`; a test fails when it is out of date.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { flowJsonSchema } from '../engine/model/json-schema.ts';

const target = join(import.meta.dirname, '..', 'docs', 'flow.schema.json');
await writeFile(target, `${JSON.stringify(flowJsonSchema(), null, 2)}\n`);
process.stdout.write(`Wrote ${target}\n`);
