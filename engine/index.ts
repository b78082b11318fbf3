/** The engine's public surface for the doors (cli/, electron/) and tests. */
export * from './model/index.ts';
export { Engine, newRunId, type RunOutcome, type EngineOptions, type StartOptions, type ResumeOptions } from './engine.ts';
export { replayRun, forkRun, diffValues, ForkError, type ReplayReport, type NodeDiff } from './replay.ts';
export { NodeRegistry } from './runner/registry.ts';
export { fetchTransport, type HttpTransport } from './runner/http-transport.ts';
export { ATTENTION_CHOICES, type AttentionChoice } from './runner/call-recorder.ts';
export { FileTraceStore, TraceQuarantinedError, summarize, type TraceStore, type RunSummary, type EventSink } from './trace/trace-store.ts';
export { RunLockedError } from './trace/run-lock.ts';
export { Redactor } from './trace/redactor.ts';
export { EnvSecretResolver, envVarFor, type SecretResolver } from './secrets.ts';
export { resolveDataDir, defaultDataDir } from './data-dir.ts';
export { loadFlowFile, FlowInvalidError } from './flow-file.ts';
export { evaluateTemplate, evaluateDeep, parseTemplate } from './expressions.ts';
export { canonicalJson, sha256 } from './canonical-json.ts';
