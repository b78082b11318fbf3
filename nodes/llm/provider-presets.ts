/**
 * The AI providers the AI step knows: OpenAI-compatible endpoints with their quirks (structured
 * output, seed, the name of the length limit) and where their servers are by default. Plain data,
 * no SDK: the node's config, the inspector and the catalogue read it without loading the client.
 */
export const PROVIDERS = ['openai', 'azure', 'openrouter', 'ollama', 'lmstudio', 'vllm', 'custom'] as const;
export type ProviderId = (typeof PROVIDERS)[number];

export interface ProviderPreset {
  title: string;
  /** Used when neither the credential nor the step names a base URL. */
  defaultBaseUrl?: string;
  /** Sends `response_format: { type: "json_schema" }`; otherwise the format goes into the instructions. */
  jsonSchema: boolean;
  /** Whether calls without an API key make sense (servers on your own machines). */
  needsApiKey: boolean;
  /** Whether `seed` is passed on. */
  seed: boolean;
  /** The body field for the answer length limit. */
  maxTokensField: 'max_tokens' | 'max_completion_tokens';
  /** What to tell an operator whose local server cannot be reached. */
  startHint?: string;
}

export const PROVIDER_PRESETS: Record<ProviderId, ProviderPreset> = {
  openai: { title: 'OpenAI', defaultBaseUrl: 'https://api.openai.com/v1', jsonSchema: true, needsApiKey: true, seed: true, maxTokensField: 'max_completion_tokens' },
  azure: { title: 'Azure OpenAI', jsonSchema: true, needsApiKey: true, seed: true, maxTokensField: 'max_completion_tokens' },
  openrouter: { title: 'OpenRouter', defaultBaseUrl: 'https://openrouter.ai/api/v1', jsonSchema: true, needsApiKey: true, seed: true, maxTokensField: 'max_tokens' },
  ollama: { title: 'Ollama', defaultBaseUrl: 'http://127.0.0.1:11434/v1', jsonSchema: true, needsApiKey: false, seed: true, maxTokensField: 'max_tokens', startHint: 'Is Ollama running? Start it with "ollama serve" and fetch the model with "ollama pull <model>".' },
  lmstudio: { title: 'LM Studio', defaultBaseUrl: 'http://127.0.0.1:1234/v1', jsonSchema: true, needsApiKey: false, seed: true, maxTokensField: 'max_tokens', startHint: 'Is LM Studio\'s local server started (Developer tab → Start server) with the model loaded?' },
  vllm: { title: 'vLLM', defaultBaseUrl: 'http://127.0.0.1:8000/v1', jsonSchema: true, needsApiKey: false, seed: true, maxTokensField: 'max_tokens', startHint: 'Is the vLLM server running ("vllm serve <model>")?' },
  custom: { title: 'OpenAI-compatible server', jsonSchema: false, needsApiKey: false, seed: false, maxTokensField: 'max_tokens' },
};

/** The base URL a connection will use: credential, then the step's setting, then the preset. */
export function resolveBaseUrl(provider: ProviderId, fromCredential: string | undefined, fromConfig: string | undefined): string | undefined {
  return nonEmpty(fromCredential) ?? nonEmpty(fromConfig) ?? PROVIDER_PRESETS[provider].defaultBaseUrl;
}

/** The trimmed value, or undefined when it is missing or blank. */
export function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}
