/**
 * Reviewers' access keys for the web bridge: each reviewer (a person, optionally in a group) has
 * their own link, which opens only the inbox (cli/reviewer-access.ts says what that allows).
 *
 * Unlike the owner's key (cli/access-key-store.ts), a reviewer's key is printed once, when it is
 * made (`flowkeeper reviewers add`), and only its sha256 is kept, in `<data>/reviewers.json`
 * (mode 0600): the file alone does not let anyone in. A 32-byte random key needs no slow hash.
 * Removing a reviewer moves the hash to `revoked`, so a withdrawn link is refused with words that
 * say so rather than "wrong key". The bridge re-reads the file when it changes, so adding and
 * removing take effect on a running `serve` and survive its restarts.
 */
import { createHash, randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const REVIEWERS_FILE = 'reviewers.json';
const KEEP_REVOKED = 200;
const NAME_MAX = 200;

export interface ReviewerRecord {
  name: string;
  /** A named group (as in settings `reviewerGroups`): items assigned to it are theirs too. */
  group?: string;
  /** sha256 (hex) of the key; the key itself is never stored. */
  sha256: string;
  createdAt: string;
}

interface ReviewersFile {
  reviewers: ReviewerRecord[];
  revoked: { name: string; sha256: string; revokedAt: string }[];
}

export class ReviewerKeyError extends Error {
  override name = 'ReviewerKeyError';
}

function hash(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

function sameName(a: string, b: string): boolean {
  return a.trim().toLowerCase() === b.trim().toLowerCase();
}

function pathOf(dataDir: string): string {
  return join(dataDir, REVIEWERS_FILE);
}

async function readFileOrEmpty(path: string): Promise<ReviewersFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { reviewers: [], revoked: [] };
    throw error;
  }
  let parsed: Partial<ReviewersFile>;
  try {
    parsed = JSON.parse(text) as Partial<ReviewersFile>;
  } catch {
    throw new ReviewerKeyError(`The reviewers file ${path} is not valid JSON. Fix it by hand, or delete it and add the reviewers again (their old links stop working).`);
  }
  const reviewers = (Array.isArray(parsed.reviewers) ? parsed.reviewers : []).filter((r): r is ReviewerRecord => typeof r?.name === 'string' && typeof r.sha256 === 'string');
  const revoked = (Array.isArray(parsed.revoked) ? parsed.revoked : []).filter((r) => typeof r?.sha256 === 'string');
  return { reviewers, revoked };
}

async function writeReviewersFile(dataDir: string, file: ReviewersFile): Promise<void> {
  await mkdir(dataDir, { recursive: true });
  const path = pathOf(dataDir);
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
  await rename(tmp, path);
  if (process.platform !== 'win32') await chmod(path, 0o600);
}

/** Checks a name or group typed on the command line; returns it trimmed. */
function checkName(value: string, what: 'name' | 'group'): string {
  const trimmed = value.trim();
  if (trimmed === '') throw new ReviewerKeyError(`A reviewer's ${what} cannot be empty.`);
  if (trimmed.length > NAME_MAX) throw new ReviewerKeyError(`A reviewer's ${what} can be at most ${NAME_MAX} characters.`);
  if (/[\u0000-\u001f]/.test(trimmed)) throw new ReviewerKeyError(`A reviewer's ${what} cannot contain control characters.`);
  if (trimmed.toLowerCase() === 'timer' || trimmed.toLowerCase() === 'auto') throw new ReviewerKeyError(`"${trimmed}" is a name Flowkeeper uses for decisions made without a person; choose another.`);
  return trimmed;
}

/** Makes a reviewer and their key. The key is returned once and never stored. */
export async function addReviewer(dataDir: string, input: { name: string; group?: string }, now: () => Date = () => new Date()): Promise<{ reviewer: ReviewerRecord; key: string }> {
  const name = checkName(input.name, 'name');
  const group = input.group === undefined ? undefined : checkName(input.group, 'group');
  const file = await readFileOrEmpty(pathOf(dataDir));
  if (file.reviewers.some((r) => sameName(r.name, name))) {
    throw new ReviewerKeyError(`There is already a reviewer called "${name}". Remove them first ("flowkeeper reviewers remove ${name}") to give them a new link.`);
  }
  const key = randomBytes(32).toString('base64url');
  const reviewer: ReviewerRecord = { name, ...(group ? { group } : {}), sha256: hash(key), createdAt: now().toISOString() };
  await writeReviewersFile(dataDir, { ...file, reviewers: [...file.reviewers, reviewer] });
  return { reviewer, key };
}

export async function listReviewers(dataDir: string): Promise<ReviewerRecord[]> {
  return (await readFileOrEmpty(pathOf(dataDir))).reviewers;
}

/** Withdraws a reviewer's link at once (a running bridge notices the change on the next call). */
export async function removeReviewer(dataDir: string, name: string, now: () => Date = () => new Date()): Promise<ReviewerRecord> {
  const file = await readFileOrEmpty(pathOf(dataDir));
  const found = file.reviewers.find((r) => sameName(r.name, name));
  if (!found) {
    const names = file.reviewers.map((r) => r.name);
    throw new ReviewerKeyError(`There is no reviewer called "${name.trim()}". ${names.length ? `Reviewers: ${names.join(', ')}.` : 'No reviewers have been added yet.'}`);
  }
  await writeReviewersFile(dataDir, {
    reviewers: file.reviewers.filter((r) => r !== found),
    revoked: [{ name: found.name, sha256: found.sha256, revokedAt: now().toISOString() }, ...file.revoked].slice(0, KEEP_REVOKED),
  });
  return found;
}

export type ReviewerLookup = { kind: 'reviewer'; reviewer: ReviewerRecord } | { kind: 'revoked' } | { kind: 'none' };

/**
 * What the bridge asks at each call: whose key is this? Reads the file again only when it
 * changed (size or mtime), so `reviewers remove` takes effect on a running bridge.
 */
export class ReviewerKeys {
  private stamp = '';
  private byHash = new Map<string, ReviewerRecord>();
  private revoked = new Set<string>();

  constructor(private readonly dataDir: string) {}

  async lookup(key: string): Promise<ReviewerLookup> {
    await this.refresh();
    const digest = hash(key);
    const reviewer = this.byHash.get(digest);
    if (reviewer) return { kind: 'reviewer', reviewer };
    return this.revoked.has(digest) ? { kind: 'revoked' } : { kind: 'none' };
  }

  private async refresh(): Promise<void> {
    const path = pathOf(this.dataDir);
    const info = await stat(path).catch(() => undefined);
    const stamp = info ? `${info.size}:${info.mtimeMs}:${info.ino}` : 'none';
    if (stamp === this.stamp) return;
    if (info && process.platform !== 'win32' && (info.mode & 0o077) !== 0) await chmod(path, 0o600).catch(() => undefined);
    // A broken file locks reviewers out (never in): the owner sees why in the CLI.
    const file = await readFileOrEmpty(path).catch(() => ({ reviewers: [], revoked: [] }) as ReviewersFile);
    this.byHash = new Map(file.reviewers.map((r) => [r.sha256, r]));
    this.revoked = new Set(file.revoked.map((r) => r.sha256));
    this.stamp = stamp;
  }
}
