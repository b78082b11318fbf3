/**
 * A Flowkeeper service in its own process, for kill tests: opens the data folder given as the
 * first argument (its active flows' triggers start with it), prints READY once they listen, and
 * runs until killed. Started by test/nodes/webhook-kill.test.ts with `node --import tsx`. An
 * optional second argument is the trigger run pool size (0: accepted events are journalled and
 * answered, but no run starts — the window between the 2xx and the run's own trace).
 */
import { createService, NodeRegistry } from '../../engine/index.ts';
import { builtinNodes } from '../../nodes/index.ts';
import { MemoryKeychain } from './memory-keychain.ts';

const dataDir = process.argv[2];
if (!dataDir) throw new Error('usage: webhook-child.ts <data-dir>');
const runConcurrency = process.argv[3] === undefined ? undefined : Number(process.argv[3]);
const service = await createService({ dataDir, registry: new NodeRegistry(builtinNodes), keychain: new MemoryKeychain(), ...(runConcurrency === undefined ? {} : { triggerLimits: { runConcurrency } }) });
await service.idle();
const status = await service.handlers['triggers.status']({});
process.stdout.write(`READY ${JSON.stringify(status)}\n`);
setInterval(() => undefined, 60_000);
