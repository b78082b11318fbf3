/**
 * Doyensec's Electronegativity over the desktop shell, inside `npm test`: the SARIF report is
 * parsed and any HIGH finding fails the test. Every finding is printed. A reviewed false
 * positive is marked at its line with `eng-disable <CHECK_ID>` and a comment saying why.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatFindings, readSarifFindings, scanElectronSecurity } from '../../scripts/security-scan.ts';

describe('electronegativity', () => {
  it('finds nothing of HIGH severity in electron/', async () => {
    const scan = await scanElectronSecurity();
    const findings = await readSarifFindings(scan.sarifFile);
    console.log(`Scanned ${scan.scanned.join(', ')} with Electron ${scan.electronVersion}; report: ${scan.sarifFile}\n${formatFindings(findings)}`);

    expect(scan.scanned).toContain('electron/');
    expect(scan.errors.filter((error) => !error.tolerable)).toEqual([]);
    // The scan really ran: the version check always reports, and our guards were recognised.
    expect(findings.map((f) => f.ruleId)).toContain('ELECTRON_VERSION_JSON_CHECK');
    expect(findings.map((f) => f.ruleId)).not.toContain('LIMIT_NAVIGATION_GLOBAL_CHECK');
    expect(findings.map((f) => f.ruleId)).not.toContain('PERMISSION_REQUEST_HANDLER_GLOBAL_CHECK');
    expect(findings.filter((f) => f.severity === 'HIGH')).toEqual([]);
  });

  it('does catch an insecure window (so a pass means something)', async () => {
    const scan = await scanElectronSecurity({ root: join(import.meta.dirname, 'fixtures', 'insecure-app'), sarifFile: join(import.meta.dirname, '..', '..', 'test-results', 'electronegativity-fixture.sarif') });
    const high = (await readSarifFindings(scan.sarifFile)).filter((f) => f.severity === 'HIGH').map((f) => f.ruleId);
    expect(high).toEqual(expect.arrayContaining(['CONTEXT_ISOLATION_JS_CHECK', 'LIMIT_NAVIGATION_GLOBAL_CHECK']));
  });
});
