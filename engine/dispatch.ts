/**
 * One dispatch for every door: validate the arguments against the contract, call the service,
 * check the result, and turn any failure into the same error shape. The Electron IPC adapter, the
 * web bridge and the in-process client all go through here, so they behave identically.
 */
import {
  ApiError,
  METHODS,
  buildApi,
  type ApiEvent,
  type ApiErrorInfo,
  type ApiReply,
  type FlowkeeperApi,
  type MethodName,
  type MethodOutput,
} from './model/contract.ts';
import type { z } from 'zod';
import { NodeError } from './model/node-kit.ts';
import { DecisionRefused } from './model/review.ts';
import { zodProblems } from './model/validate.ts';
import { FlowInvalidError } from './flow-file.ts';
import { ForkError } from './replay.ts';
import { RunLockedError } from './trace/index.ts';
import { RunNotFoundError, TraceQuarantinedError } from './trace/trace-store.ts';
import { describeDataFolderError } from './data-folder-errors.ts';

/** A service implements every method of the contract, receiving parsed arguments. */
export type ServiceHandlers = {
  [M in MethodName]: (args: z.output<(typeof METHODS)[M]['input']>) => Promise<MethodOutput<M>>;
};

export interface ApiService {
  handlers: ServiceHandlers;
  subscribe(listener: (event: ApiEvent) => void): () => void;
}

export function isMethodName(name: unknown): name is MethodName {
  return typeof name === 'string' && Object.hasOwn(METHODS, name);
}

export async function dispatch(service: ApiService, method: unknown, args: unknown): Promise<ApiReply> {
  if (!isMethodName(method)) {
    return fail({ code: 'UNKNOWN_METHOD', message: `There is no API method "${String(method)}".`, hint: 'Check the method name against engine/model/contract.ts.' });
  }
  const spec = METHODS[method];
  const parsed = spec.input.safeParse(args ?? {}, { reportInput: true });
  if (!parsed.success) {
    return fail({ code: 'INVALID_ARGUMENTS', message: `The arguments for ${method} are not right.`, problems: zodProblems(parsed.error) });
  }
  try {
    const handler = service.handlers[method] as (a: unknown) => Promise<unknown>;
    const result = await handler(parsed.data);
    const checked = spec.output.safeParse(result);
    if (!checked.success) {
      return fail({ code: 'INTERNAL', message: `Flowkeeper produced an answer to ${method} that does not match its contract.`, problems: zodProblems(checked.error) });
    }
    // Plain JSON, as every door would see it.
    return { ok: true, result: JSON.parse(JSON.stringify(checked.data ?? null)) as unknown };
  } catch (error) {
    return fail(toApiErrorInfo(error));
  }
}

function fail(error: ApiErrorInfo): ApiReply {
  return { ok: false, error };
}

/** Maps engine errors onto the contract's error shape: stable code, plain message, what to do. */
export function toApiErrorInfo(error: unknown): ApiErrorInfo {
  if (error instanceof ApiError) return error.toInfo();
  if (error instanceof FlowInvalidError) return { code: 'FLOW_INVALID', message: 'The flow has problems; fix them and try again.', problems: error.problems };
  if (error instanceof RunLockedError) return { code: 'RUN_BUSY', message: error.message };
  if (error instanceof TraceQuarantinedError) return { code: 'TRACE_DAMAGED', message: error.message };
  if (error instanceof RunNotFoundError) return { code: 'RUN_NOT_FOUND', message: `There is no run "${error.runId}".`, hint: 'It may have been deleted, or it belongs to another data folder.' };
  if (error instanceof ForkError) return { code: 'FORK_NOT_POSSIBLE', message: error.message };
  if (error instanceof DecisionRefused) return { code: error.code, message: error.message, ...(error.hint ? { hint: error.hint } : {}) };
  if (error instanceof NodeError) return { code: error.code, message: error.message, ...(error.hint ? { hint: error.hint } : {}) };
  const folder = describeDataFolderError(error);
  if (folder) return { code: folder.code, message: folder.message, hint: folder.hint };
  const message = error instanceof Error ? error.message : String(error);
  return { code: 'INTERNAL', message: `Something went wrong inside Flowkeeper: ${message}`, hint: 'Try again; if it keeps happening, report it with the steps that led here.' };
}

/** Unwraps a reply: the result, or an ApiError. */
export function unwrapReply(reply: ApiReply): unknown {
  if (reply.ok) return reply.result;
  throw new ApiError(reply.error);
}

/** The in-process door: the same dispatch, no transport. */
export function inProcessApi(service: ApiService): FlowkeeperApi {
  return buildApi({
    invoke: async (method, args) => unwrapReply(await dispatch(service, method, args)),
    subscribe: (listener) => service.subscribe(listener),
  });
}
