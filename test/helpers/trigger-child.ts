/**
 * A Flowkeeper service in its own process, for the kill tests of the folder and e-mail triggers:
 * opens the data folder given as the first argument (its active flows' triggers start with it),
 * with a memory keychain filled from FLOWKEEPER_TEST_KEYCHAIN (JSON of the parent's entries, so
 * credentials work), prints READY once started and `RUN <runId>` for every run that finishes,
 * and runs until killed. Started with `node --import tsx`.
 */
import { createService, NodeRegistry } from '../../engine/index.ts';
import { builtinNodes } from '../../nodes/index.ts';
import { MemoryKeychain } from './memory-keychain.ts';

const dataDir = process.argv[2];
if (!dataDir) throw new Error('usage: trigger-child.ts <data-dir>');
const keychain = new MemoryKeychain();
for (const [account, password] of Object.entries(JSON.parse(process.env.FLOWKEEPER_TEST_KEYCHAIN ?? '{}') as Record<string, string>)) keychain.entries.set(account, password);
const service = await createService({ dataDir, registry: new NodeRegistry(builtinNodes), keychain });
service.subscribe((event) => {
  if (event.type === 'runs.changed' && event.status === 'succeeded') process.stdout.write(`RUN ${event.runId}\n`);
});
await service.idle();
process.stdout.write('READY\n');
setInterval(() => undefined, 60_000);
