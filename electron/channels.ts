/**
 * The two IPC channels between the main process and the preload. Shared by both sides; imports
 * nothing, so the sandboxed preload may use it.
 */

/** Renderer → main: `invoke(INVOKE_CHANNEL, method, args)` answers with an `ApiReply` envelope. */
export const INVOKE_CHANNEL = 'flowkeeper:invoke';

/** Main → renderer: every `ApiEvent`, one message each. */
export const EVENT_CHANNEL = 'flowkeeper:event';
