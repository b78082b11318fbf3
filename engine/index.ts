/** The engine's public surface for the doors (cli/, electron/) and tests. */
export * from './model/index.ts';
export { Engine, newRunId, type RunOutcome, type EngineOptions, type StartOptions, type ResumeOptions } from './engine.ts';
export { replayRun, forkRun, diffValues, ForkError, type ReplayReport, type NodeDiff } from './replay.ts';
export { NodeRegistry } from './runner/registry.ts';
export { fetchTransport, type HttpTransport } from './runner/http-transport.ts';
export { ATTENTION_CHOICES, type AttentionChoice } from './runner/call-recorder.ts';
export { FileTraceStore, TraceQuarantinedError, RunNotFoundError, summarize, type TraceStore, type RunSummary, type EventSink } from './trace/trace-store.ts';
export { RunLockedError, Redactor } from './trace/index.ts';
export { EnvSecretResolver, envVarFor, type SecretResolver } from './secrets.ts';
export { resolveDataDir, defaultDataDir } from './data-dir.ts';
export { loadFlowFile, FlowInvalidError } from './flow-file.ts';
export { evaluateTemplate, evaluateDeep, parseTemplate } from './expressions.ts';
export { canonicalJson, sha256 } from './canonical-json.ts';
export { dispatch, inProcessApi, unwrapReply, toApiErrorInfo, isMethodName, type ApiService, type ServiceHandlers } from './dispatch.ts';
export { createService, describeNodeType, FlowkeeperService, type ServiceOptions } from './service.ts';
export { FlowStore } from './flow-store.ts';
export { Vault, OsKeychain, KeychainUnavailableError, KEYCHAIN_SERVICE, type KeychainBackend } from './vault.ts';
export { prepareFork } from './replay.ts';
