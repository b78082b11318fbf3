/**
 * The hand-over bundle (issue 12 item 2): export a flow with what another team needs to run it,
 * and read such a file back. The format is engine/model/handover-bundle.ts; the import wizard,
 * demo mode and drift checks read bundles through `readBundleBytes` / `readBundle`.
 *
 * May import: engine/model, engine/charter, engine/trace (public face), node:zlib.
 */
export { exportHandover, bundleText, flowForHandover, type HandoverDeps, type HandoverExport, type HandoverExportRequest } from './export-bundle.ts';
export { handoverRunbook } from './runbook-file.ts';
export { encodeBundle, readBundleBytes } from './bundle-file.ts';
export { buildRunbook } from './runbook.ts';
export { runbookHtml, runbookMarkdown } from './runbook-render.ts';
export { credentialRequirements } from './credential-requirements.ts';
export { ReferenceStore, referenceAsTrace, type ReferenceSource, type StoredReference } from './reference-store.ts';
export { openHandover, bundleFromSource } from './import-open.ts';
export { importHandover, handoverAcceptance, type ImportDeps } from './import-bundle.ts';
export { acceptanceReplay, replayableReference } from './import-acceptance.ts';
export { unmappedText, useText } from './import-mapping.ts';
