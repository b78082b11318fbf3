/**
 * How a person can answer an outside call that may or may not have happened. Its own file, with no
 * imports, so the CLI's help can list the choices without loading the engine.
 */
export const ATTENTION_CHOICES = ['send-again', 'skip-item', 'cancel'] as const;
export type AttentionChoice = (typeof ATTENTION_CHOICES)[number];
