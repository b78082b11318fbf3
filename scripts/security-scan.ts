/**
 * Electronegativity (Doyensec's Electron security linter) over the desktop shell: the electron/
 * sources (it parses TypeScript), package.json, and the built page (dist/renderer/index.html,
 * for its Content-Security-Policy) when it exists.
 *
 * The tool's SARIF report carries no severity, and its CLI always exits 0 (and crashes after a
 * failed translation download when offline), so this runs its API in a child process, writes
 * the SARIF report with each result's severity and confidence added (`properties`, and `level:
 * error` for HIGH), and returns the findings. `npm run security:electron` prints them and exits
 * 1 on a HIGH finding; test/electron/electronegativity.test.ts does the same inside `npm test`.
 *
 * Left out: AvailableSecurityFixesGlobalCheck, which downloads Electron's release list (no
 * network here, and it would make the result depend on the day). Electron upgrades are a
 * dependency-update chore, not something a code change breaks.
 */
import { spawn } from 'node:child_process';
import { copyFile, cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export const EXCLUDED_CHECKS = ['AvailableSecurityFixesGlobalCheck'];

export type Severity = 'INFORMATIONAL' | 'LOW' | 'MEDIUM' | 'HIGH';

export interface SecurityFinding {
  id: string;
  severity: Severity;
  confidence: 'TENTATIVE' | 'FIRM' | 'CERTAIN';
  file: string;
  line: number;
  column: number;
  description: string;
  manualReview: boolean;
  sample?: string;
}

export interface SecurityScan {
  findings: SecurityFinding[];
  /** Files the tool could not parse. */
  errors: Array<{ file: string; message: string; tolerable: boolean }>;
  sarifFile: string;
  electronVersion: string;
  scanned: string[];
}

interface SarifLog {
  runs: Array<{ results: Array<{ ruleId: string; level: string; properties?: Record<string, unknown> }> }>;
}

// Runs in the child: the tool's API, then waits for its (asynchronously written) SARIF file.
// The tool prints to stdout too; our answer follows the marker.
const MARKER = '\n@@flowkeeper-findings@@\n';
const CHILD = `
const MARKER = ${JSON.stringify(MARKER)};
const fs = require('node:fs');
const [runner, input, sarif, electronVersion, excluded] = process.argv.slice(1);
// No downloads during a scan: the tool fetches translations with got (1 s timeout) even for
// en-US, and under load got's retry crashes the process ("onCancel handler was attached after
// the promise settled"). A got that fails at once makes it use its bundled texts.
const Module = require('node:module');
const gotPath = Module.createRequire(runner).resolve('got');
const offlineGot = new Module(gotPath);
offlineGot.filename = gotPath;
offlineGot.loaded = true;
offlineGot.exports = () => Promise.reject(new Error('No network during the security scan.'));
require.cache[gotPath] = offlineGot;
(async () => {
  const loaded = require(runner);
  const run = typeof loaded === 'function' ? loaded : loaded.default;
  const result = await run({ input, output: sarif, isSarif: true, isRelative: true, isVerbose: false, customScan: [], excludeFromScan: JSON.parse(excluded), electronVersionOverride: electronVersion, parserPlugins: [] }, false);
  for (let i = 0; i < 400; i++) {
    try { JSON.parse(fs.readFileSync(sarif, 'utf8')); break; } catch { await new Promise((r) => setTimeout(r, 25)); }
  }
  const issues = result.issues.map((i) => ({ id: i.id, severity: i.severity.name, confidence: i.confidence.name, file: i.file, line: i.location.line, column: i.location.column, description: i.description, manualReview: Boolean(i.manualReview), sample: i.sample }));
  process.stdout.write(MARKER + JSON.stringify({ issues, errors: result.errors }));
  process.exit(0);
})().catch((error) => { console.error(error && error.stack || String(error)); process.exit(1); });
`;

export async function scanElectronSecurity({ root = repoRoot, sarifFile = join(root, 'test-results', 'electronegativity.sarif') } = {}): Promise<SecurityScan> {
  const require = createRequire(join(root, 'package.json'));
  const runner = require.resolve('@doyensec/electronegativity');
  const electronVersion = (JSON.parse(await readFile(require.resolve('electron/package.json'), 'utf8')) as { version: string }).version;

  // What ships: the shell's sources, the manifest, the built page when there is one.
  const stage = await mkdtemp(join(tmpdir(), 'flowkeeper-electronegativity-'));
  const scanned = ['electron/', 'package.json'];
  try {
    await cp(join(root, 'electron'), join(stage, 'electron'), { recursive: true, filter: (source) => !source.endsWith('.md') });
    await copyFile(join(root, 'package.json'), join(stage, 'package.json'));
    const page = join(root, 'dist', 'renderer', 'index.html');
    if (await readFile(page).then(() => true, () => false)) {
      await mkdir(join(stage, 'renderer'), { recursive: true });
      await copyFile(page, join(stage, 'renderer', 'index.html'));
      scanned.push('dist/renderer/index.html');
    }

    await mkdir(dirname(sarifFile), { recursive: true });
    await rm(sarifFile, { force: true });
    const output = await runChild([runner, stage, sarifFile, electronVersion, JSON.stringify(EXCLUDED_CHECKS)]);
    const { issues, errors } = JSON.parse(output.slice(output.lastIndexOf(MARKER) + MARKER.length)) as { issues: SecurityFinding[]; errors: SecurityScan['errors'] };

    // Severity into the SARIF report: results are written in the order of the issues.
    const sarif = JSON.parse(await readFile(sarifFile, 'utf8')) as SarifLog;
    const results = sarif.runs[0]?.results ?? [];
    if (results.length !== issues.length) throw new Error(`Electronegativity reported ${issues.length} findings but wrote ${results.length} to ${sarifFile}.`);
    results.forEach((result, index) => {
      const issue = issues[index]!;
      if (result.ruleId !== issue.id) throw new Error(`The SARIF report and the findings disagree at #${index}: ${result.ruleId} vs ${issue.id}.`);
      result.properties = { ...result.properties, severity: issue.severity, confidence: issue.confidence, manualReview: issue.manualReview };
      if (issue.severity === 'HIGH') result.level = 'error';
    });
    await writeFile(sarifFile, `${JSON.stringify(sarif, null, 2)}\n`);

    return { findings: issues, errors, sarifFile, electronVersion, scanned };
  } finally {
    await rm(stage, { recursive: true, force: true });
  }
}

/** Reads the findings back from a SARIF report written by `scanElectronSecurity`. */
export async function readSarifFindings(sarifFile: string): Promise<Array<{ ruleId: string; severity: Severity; confidence: string; where: string; message: string }>> {
  const sarif = JSON.parse(await readFile(sarifFile, 'utf8')) as {
    runs: Array<{ results: Array<{ ruleId: string; message: { text: string }; properties?: { severity?: Severity; confidence?: string }; locations?: Array<{ physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }> }> }>;
  };
  return (sarif.runs[0]?.results ?? []).map((result) => {
    const location = result.locations?.[0]?.physicalLocation;
    if (!result.properties?.severity) throw new Error(`${sarifFile}: result ${result.ruleId} has no severity; write the report with scanElectronSecurity().`);
    return {
      ruleId: result.ruleId,
      severity: result.properties.severity,
      confidence: result.properties.confidence ?? '?',
      where: location ? `${location.artifactLocation.uri}:${location.region.startLine}` : 'N/A',
      message: result.message.text,
    };
  });
}

export function formatFindings(findings: Awaited<ReturnType<typeof readSarifFindings>>): string {
  if (findings.length === 0) return 'Electronegativity: no findings.';
  return ['Electronegativity findings:', ...findings.map((f) => `  ${f.severity.padEnd(13)} ${f.confidence.padEnd(9)} ${f.ruleId.padEnd(36)} ${f.where.padEnd(22)} ${f.message}`)].join('\n');
}

function runChild(args: string[]): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    // LANG picks the tool's bundled English texts; the translation download fails offline.
    const child = spawn(process.execPath, ['-e', CHILD, ...args], { env: { ...process.env, LANG: 'en-US' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolvePromise(stdout) : reject(new Error(`Electronegativity failed (exit ${code}):\n${stderr}`))));
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const scan = await scanElectronSecurity();
  const findings = await readSarifFindings(scan.sarifFile);
  console.log(`Scanned ${scan.scanned.join(', ')} (Electron ${scan.electronVersion}); report: ${scan.sarifFile}`);
  console.log(formatFindings(findings));
  for (const error of scan.errors) console.log(`  could not parse ${error.file}: ${error.message}`);
  const high = findings.filter((f) => f.severity === 'HIGH');
  if (high.length > 0) {
    console.error(`${high.length} HIGH finding(s): fix them, or mark a reviewed false positive with an "eng-disable <CHECK_ID>" comment on the line, saying why.`);
    process.exitCode = 1;
  }
}
