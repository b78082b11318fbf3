/**
 * The built-in AI prices: pure data, shared by the engine (engine/cost.ts prices the traces) and
 * the app (Settings shows them under your own rows). One table, so the two never disagree.
 */

export interface ModelPrice {
  /** USD per 1,000,000 prompt (input) tokens. */
  inputPerMillion: number;
  /** USD per 1,000,000 completion (output) tokens. */
  outputPerMillion: number;
}

export type PriceTable = Readonly<Record<string, ModelPrice>>;

/** When the default prices were copied from the providers' public price lists. */
export const DEFAULT_PRICES_AS_OF = '2025-06';

/**
 * Defaults only — prices change. Check your provider's price page and override them in settings.
 * Model names match exactly, or by the longest prefix followed by a release date, `-latest`, a
 * reasoning effort or a `:tag` (`gpt-4o-mini-2024-07-18` → `gpt-4o-mini`; `o3-pro` is NOT `o3`),
 * after dropping an OpenRouter vendor prefix
 * (`openai/gpt-4o` → `gpt-4o`). Local models (Ollama, LM Studio, vLLM) are not listed: add them
 * with price 0 to count them as free.
 */
export const DEFAULT_PRICE_TABLE: PriceTable = {
  'gpt-4o': { inputPerMillion: 2.5, outputPerMillion: 10 },
  'gpt-4o-mini': { inputPerMillion: 0.15, outputPerMillion: 0.6 },
  'gpt-4.1': { inputPerMillion: 2, outputPerMillion: 8 },
  'gpt-4.1-mini': { inputPerMillion: 0.4, outputPerMillion: 1.6 },
  'gpt-4.1-nano': { inputPerMillion: 0.1, outputPerMillion: 0.4 },
  o3: { inputPerMillion: 2, outputPerMillion: 8 },
  'o3-mini': { inputPerMillion: 1.1, outputPerMillion: 4.4 },
  'o4-mini': { inputPerMillion: 1.1, outputPerMillion: 4.4 },
  'claude-3.5-haiku': { inputPerMillion: 0.8, outputPerMillion: 4 },
  'claude-sonnet-4': { inputPerMillion: 3, outputPerMillion: 15 },
  'gemini-2.0-flash': { inputPerMillion: 0.1, outputPerMillion: 0.4 },
  'mistral-small': { inputPerMillion: 0.1, outputPerMillion: 0.3 },
};
