/**
 * The web bridge's owner key, stable per data folder: `flowkeeper serve` prints the same link at
 * every start, so a reviewer's open tab keeps working across restarts; `--new-key` replaces it.
 *
 * Why the key itself is stored (in `<data>/serve-key.json`, mode 0600) and not only a hash: the
 * link has to be printed again at each start, and a hash cannot be turned back into a key — a
 * hash-only store would force a new key at every start, which is the problem this solves. The OS
 * keychain is not used because `flowkeeper serve` is what runs on servers without one. The file
 * sits beside the traces, which already need the same protection; it is created 0600 and
 * tightened back to 0600 if it was loosened. Replaced keys are kept only as sha256 hashes
 * (a 32-byte random key needs no slow hash), so a refused key can be recognised as "replaced"
 * without ever being usable again.
 */
import { createHash, randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const ACCESS_KEY_FILE = 'serve-key.json';
const KEEP_RETIRED = 20;

interface KeyFile {
  key: string;
  createdAt: string;
  /** sha256 (hex) of keys replaced with --new-key, newest first. */
  retired: { sha256: string; retiredAt: string }[];
}

export interface OwnerKey {
  key: string;
  createdAt: string;
  /** True when this start made the key (first start in this folder, or --new-key). */
  created: boolean;
  /** Whether a refused key is one this folder used before. */
  wasRetired(candidate: string): boolean;
}

export function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

async function readKeyFile(path: string): Promise<KeyFile | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const parsed = JSON.parse(text) as Partial<KeyFile>;
  if (typeof parsed.key !== 'string' || parsed.key.length < 32) throw new Error('it holds no access key');
  return { key: parsed.key, createdAt: typeof parsed.createdAt === 'string' ? parsed.createdAt : '', retired: Array.isArray(parsed.retired) ? parsed.retired.filter((r) => typeof r?.sha256 === 'string') : [] };
}

async function writeKeyFile(dir: string, path: string, file: KeyFile): Promise<void> {
  await mkdir(dir, { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
  await rename(tmp, path);
}

/** The folder's key (made on first use), or a new one when `rotate` (the old one is retired). */
export async function loadOwnerKey(dataDir: string, options: { rotate?: boolean; now?: () => Date } = {}): Promise<OwnerKey> {
  const now = options.now ?? (() => new Date());
  const path = join(dataDir, ACCESS_KEY_FILE);
  let file: KeyFile | undefined;
  try {
    file = await readKeyFile(path);
  } catch (error) {
    // A new key does not need the old file; only the record of replaced keys is lost.
    if (!options.rotate) throw new Error(`The access key file ${path} cannot be read (${(error as Error).message}). Delete it, or start with --new-key, to make a new key.`);
  }
  let created = false;
  if (!file || options.rotate) {
    const retired = file ? [{ sha256: hashKey(file.key), retiredAt: now().toISOString() }, ...file.retired].slice(0, KEEP_RETIRED) : [];
    file = { key: randomBytes(32).toString('base64url'), createdAt: now().toISOString(), retired };
    await writeKeyFile(dataDir, path, file);
    created = true;
  } else if (process.platform !== 'win32' && ((await stat(path)).mode & 0o077) !== 0) {
    // Someone loosened it (a copy, a backup restore): only the owner may read the key.
    await chmod(path, 0o600);
  }
  const retiredHashes = new Set(file.retired.map((r) => r.sha256));
  return { key: file.key, createdAt: file.createdAt, created, wasRetired: (candidate) => retiredHashes.has(hashKey(candidate)) };
}
