/**
 * AI step (`llm.generate`): asks any OpenAI-compatible model about each item — extract, classify,
 * summarize, draft a reply, or a custom prompt — and checks the answer.
 *
 * - Prompts are `{{ jsonata }}` templates over the item; a system prompt and few-shot examples.
 * - Structured output: answer fields defined in the config (never JSON Schema by hand), sent as
 *   `response_format: json_schema` where the provider supports it, else spelled out in the
 *   instructions. Every answer is validated; one repair attempt with the problems; still wrong →
 *   the `error` port with the raw answer in `error.details.raw`.
 * - Output: the item plus the answer under `outputField` (default `ai`), e.g. `ai.label`,
 *   `ai.confidence`; a plain-text answer is `ai.text`. `outputField: ""` merges the answer fields
 *   into the item instead.
 * - Every model call is a recorded `llm` call (request: model, messages, settings; result: text,
 *   finish reason, usage, request id, model): replay and resume re-use it, `--dev-cache` may too.
 * - One retry layer: the SDK's `maxRetries`; the node's own retry policy is "once".
 */
import { z } from 'zod';
import { NodeError, defineNode, field, type Item, type NodeContext } from '../../engine/model/index.ts';
import { OutputFieldSchema, answerJsonSchema, checkAnswer, formatInstructions, type FieldSpec } from './output-fields.ts';
import { PROVIDERS, PROVIDER_PRESETS, resolveBaseUrl, sendChat, type ChatMessage, type Connection, type LlmRequest, type LlmResult, type ResponseFormat } from './providers.ts';
import { TASKS, answerFields, taskFields, taskInstructions } from './tasks.ts';

const Example = z
  .object({
    /** What the model is shown as the input (plain text, no expressions). */
    input: field(z.string().min(1).max(20_000), { title: 'Example input', description: 'A sample of what the model will be shown (plain text, no expressions).', widget: 'multiline' }),
    /** The answer it should give: text, or an object with the answer fields. */
    output: field(z.union([z.string().max(20_000), z.record(z.string(), z.unknown())]), {
      title: 'Expected answer',
      description: 'The answer the model should give for that input: text, or the answer fields.',
      widget: 'multiline',
    }),
  })
  .strict();

const Config = z
  .object({
    /** What the step does: a preset gives the instructions and the answer fields. */
    task: field(z.enum(TASKS).default('custom'), {
      title: 'Task',
      description: 'What the step does. A preset writes the instructions and the answer fields for you.',
      optionLabels: { custom: 'Custom (your own prompt)', extract: 'Extract fields from text', classify: 'Sort into labels', summarize: 'Summarize', 'draft-reply': 'Draft a reply' },
    }),
    provider: field(z.enum(PROVIDERS).default('openai'), {
      title: 'AI provider',
      description: 'Who runs the model: a cloud service or a server on your own machine or network.',
      optionLabels: { openai: 'OpenAI', azure: 'Azure OpenAI', openrouter: 'OpenRouter', ollama: 'Ollama (local)', lmstudio: 'LM Studio (local)', vllm: 'vLLM (self-hosted)', custom: 'Other OpenAI-compatible server' },
    }),
    /** Stored credential with `apiKey` (optional for local servers) and optionally `baseUrl`. */
    credential: field(z.string().min(1).max(200).optional(), {
      title: 'Credential',
      description: 'The stored API key for the provider (local servers may need none). The key stays in the system keychain.',
      widget: 'credential',
    }),
    /**
     * Overrides the provider's default address, e.g. `http://gpu-box.local:11434/v1`; may use
     * expressions (`{{ $input.aiServer }}`). The credential's `baseUrl` wins over this.
     */
    baseUrl: field(z.string().min(1).max(2000).optional(), {
      title: 'Server address',
      description: 'Only for self-hosted or compatible servers: where the server answers. A credential\'s address wins over this.',
      placeholder: 'http://localhost:11434/v1',
      advanced: true,
    }),
    azure: field(
      z
        .object({
          /** The deployment name in Azure AI Foundry. */
          deployment: field(z.string().min(1).max(200), { title: 'Deployment name', description: 'The name of the deployment in Azure AI Foundry.', placeholder: 'gpt-4o-mini', widget: 'plain' }),
          apiVersion: field(z.string().min(1).max(50).default('2024-10-21'), { title: 'API version', description: 'The Azure OpenAI API version to use.', placeholder: '2024-10-21', widget: 'plain' }),
        })
        .strict()
        .optional(),
      { title: 'Azure deployment', description: 'Which Azure OpenAI deployment answers.', showWhen: { field: 'provider', is: ['azure'] } },
    ),
    model: field(z.string().min(1).max(200), { title: 'Model', description: 'The model\'s name as the provider spells it, e.g. gpt-4o-mini or llama3.1.', placeholder: 'gpt-4o-mini', widget: 'plain' }),
    temperature: field(z.number().min(0).max(2).optional(), {
      title: 'Creativity (temperature)',
      description: 'From 0 (the same, sober answer each time) to 2 (varied). Empty: the provider\'s default.',
      placeholder: '0',
      advanced: true,
    }),
    /** Longest answer, in tokens. */
    maxTokens: field(z.number().int().min(1).max(1_000_000).optional(), { title: 'Longest answer (tokens)', description: 'Caps the length of the answer; a token is about three quarters of a word.', advanced: true }),
    /** Asks supporting providers for repeatable answers. */
    seed: field(z.number().int().min(0).max(2_147_483_647).optional(), { title: 'Seed', description: 'Asks providers that support it for repeatable answers.', advanced: true }),
    /** Added after the task's own instructions. May use expressions. */
    systemPrompt: field(z.string().max(100_000).optional(), {
      title: 'Instructions',
      description: 'Standing instructions for the model, added after the task\'s own; may use {{ expressions }}.',
      placeholder: 'You answer for the support team of Acme. Be brief.',
      widget: 'multiline',
    }),
    /** The input for the model, e.g. `Subject: {{ subject }}\n\n{{ body }}`. */
    prompt: field(z.string().min(1).max(100_000), {
      title: 'Prompt',
      description: 'What the model is given for each item; use {{ expressions }} to put the item\'s fields in.',
      placeholder: 'Subject: {{ subject }}\n\n{{ body }}',
      widget: 'multiline',
    }),
    /** Few-shot examples: shown to the model as earlier questions and answers. */
    examples: field(z.array(Example).max(20).default([]), {
      title: 'Examples',
      itemTitle: 'Example',
      description: 'Sample inputs with the answers you expect; the model is shown them first and follows their lead.',
      advanced: true,
    }),
    /** The answer's fields (extract: what to extract; custom: leave empty for a text answer). */
    outputFields: field(z.array(OutputFieldSchema).max(50).default([]), {
      title: 'Answer fields',
      itemTitle: 'Answer field',
      description: 'The fields the answer must have; each is checked. For a custom task, leave empty to get plain text.',
      showWhen: { field: 'task', is: ['custom', 'extract'] },
    }),
    /** classify: the labels to choose from. */
    labels: field(z.array(z.string().min(1).max(200)).max(100).default([]), {
      title: 'Labels',
      itemTitle: 'Label',
      description: 'The labels the model chooses from, e.g. billing, bug, question (at least two).',
      placeholder: 'billing',
      widget: 'string-list',
      showWhen: { field: 'task', is: ['classify'] },
    }),
    /** extract: also ask how sure the model is (`confidence`, 0 to 1). classify always does. */
    askConfidence: field(z.boolean().default(false), {
      title: 'Ask how sure it is',
      description: 'Adds a confidence field from 0 to 1 to the answer. Sorting into labels always does.',
      showWhen: { field: 'task', is: ['extract'] },
    }),
    /** `auto`: json_schema where the provider supports it, otherwise instructions. */
    structuredOutput: field(z.enum(['auto', 'json-schema', 'instructions']).default('auto'), {
      title: 'How to ask for fields',
      description: 'Automatic uses the provider\'s structured answers where it has them, otherwise written instructions.',
      optionLabels: { auto: 'Automatic', 'json-schema': 'Structured answers (JSON Schema)', instructions: 'Written instructions' },
      advanced: true,
    }),
    /** Where the answer goes on the item; empty: merged into the item. */
    outputField: field(z.string().max(200).default('ai'), {
      title: 'Put the answer in',
      description: 'The field of the item that receives the answer, e.g. ai (then ai.label). Empty: the answer\'s fields go straight onto the item.',
      placeholder: 'ai',
      widget: 'plain',
      advanced: true,
    }),
    stream: field(z.boolean().default(false), { title: 'Stream the answer', description: 'Receive the answer piece by piece; a stream that goes quiet too long fails.', advanced: true }),
    /** Per request; a stream may also go quiet for at most this long. */
    timeoutSeconds: field(z.number().min(0.1).max(3600).default(120), { title: 'Time limit (seconds)', description: 'How long one request may take (and a stream may stay quiet).', advanced: true }),
    /** Retries of 429, 5xx, timeouts and lost connections, by the SDK (honouring Retry-After). */
    maxRetries: field(z.number().int().min(0).max(10).default(2), { title: 'Retries', description: 'How often a busy or failed request is tried again (rate limits, server errors, lost connections).', advanced: true }),
    /** Items asked at the same time. 1 is kindest to rate limits. */
    concurrency: field(z.number().int().min(1).max(16).default(1), { title: 'Items at the same time', description: 'How many items are asked at once. 1 is kindest to rate limits.', advanced: true }),
  })
  .strict()
  .superRefine((c, issues) => {
    const problem = (path: Array<string | number>, message: string) => issues.addIssue({ code: 'custom', path, message });
    if (c.task === 'classify') {
      if (c.labels.length < 2) problem(['labels'], 'Classify needs at least two labels to choose from.');
      const seen = new Set<string>();
      c.labels.forEach((label, i) => {
        if (seen.has(label.toLowerCase())) problem(['labels', i], `The label "${label}" is listed twice.`);
        seen.add(label.toLowerCase());
      });
    }
    if (c.task === 'extract' && c.outputFields.length === 0) problem(['outputFields'], 'Extract needs at least one field to extract (e.g. invoiceNumber, text).');
    const presetNames = new Set(taskFields(c.task, c).map((f) => f.name));
    const names = new Set<string>();
    c.outputFields.forEach((f, i) => {
      if (names.has(f.name)) problem(['outputFields', i, 'name'], `The field "${f.name}" is listed twice.`);
      if (presetNames.has(f.name)) problem(['outputFields', i, 'name'], `"${f.name}" is already part of the ${c.task} answer; choose another name.`);
      names.add(f.name);
    });
    if (c.provider === 'azure' && !c.azure) problem(['azure'], 'Azure OpenAI needs the deployment name (and API version).');
    if (PROVIDER_PRESETS[c.provider].needsApiKey && !c.credential) problem(['credential'], `${PROVIDER_PRESETS[c.provider].title} needs a credential holding the API key ("apiKey").`);
    if (!PROVIDER_PRESETS[c.provider].defaultBaseUrl && !c.baseUrl && !c.credential) problem(['baseUrl'], 'Say where the server is: a base URL here, or a credential with "baseUrl".');
    if (['__proto__', 'constructor', 'prototype'].includes(c.outputField)) problem(['outputField'], `"${c.outputField}" cannot be a field name.`);
  });
type LlmConfig = z.infer<typeof Config>;

/** What one item's call looks like, derived from the config alone. */
interface AnswerPlan {
  fields: FieldSpec[];
  responseFormat: ResponseFormat;
  schema: Record<string, unknown> | undefined;
}

function answerPlan(config: LlmConfig): AnswerPlan {
  const fields = answerFields(config.task, config);
  if (fields.length === 0) return { fields, responseFormat: 'text', schema: undefined };
  const schema = answerJsonSchema(fields);
  const jsonSchema = config.structuredOutput === 'json-schema' || (config.structuredOutput === 'auto' && PROVIDER_PRESETS[config.provider].jsonSchema);
  return { fields, responseFormat: jsonSchema ? 'json_schema' : 'instructions', schema };
}

/** System, few-shot and user messages for one item. Shared by runs and the inspector preview. */
async function renderMessages(config: LlmConfig, plan: AnswerPlan, evaluate: (value: unknown) => Promise<unknown>, where: string): Promise<ChatMessage[]> {
  const system = [
    taskInstructions(config.task, config),
    config.systemPrompt === undefined ? '' : text(await evaluate(config.systemPrompt)),
    plan.responseFormat === 'instructions' && plan.schema ? formatInstructions(plan.fields, plan.schema) : '',
  ]
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .join('\n\n');
  const messages: ChatMessage[] = system === '' ? [] : [{ role: 'system', content: system }];
  for (const example of config.examples) {
    messages.push({ role: 'user', content: example.input }, { role: 'assistant', content: typeof example.output === 'string' ? example.output : JSON.stringify(example.output) });
  }
  const prompt = text(await evaluate(config.prompt));
  if (prompt.trim() === '') {
    throw new NodeError({
      message: `${where}: the prompt came out empty, so there is nothing to ask (template: ${JSON.stringify(config.prompt.slice(0, 80))}).`,
      code: 'LLM_EMPTY_PROMPT',
      retryable: false,
      hint: 'Check that the fields the prompt uses exist on the item (field names are case-sensitive).',
    });
  }
  messages.push({ role: 'user', content: prompt });
  return messages;
}

export default defineNode({
  type: 'llm.generate',
  version: 1,
  title: 'AI step',
  category: 'llm',
  icon: 'sparkles',
  description: 'Asks an AI model to extract, classify, summarize or draft a reply for each item, and checks the answer. Works with OpenAI or a model on your own machine.',
  config: Config,
  inputs: ['in'],
  outputs: ['out'],
  effects: 'read',
  credentials: ['llm.api'],
  // The SDK is the one retry layer (maxRetries, honouring Retry-After); never a second loop on top.
  defaultRetry: { maxAttempts: 1, initialDelayMs: 0, maxDelayMs: 0, multiplier: 1, jitter: false },

  async preview({ config, evaluate }) {
    const plan = answerPlan(config);
    return {
      provider: config.provider,
      model: config.model,
      messages: await renderMessages(config, plan, evaluate, 'Preview'),
      responseFormat: plan.responseFormat,
      answerFields: plan.fields.map((f) => f.name),
      ...(plan.schema ? { schema: plan.schema } : {}),
    };
  },

  async run({ items, config, ctx }) {
    const plan = answerPlan(config);
    const preset = PROVIDER_PRESETS[config.provider];
    const seed = config.seed !== undefined && preset.seed ? config.seed : undefined;
    if (config.seed !== undefined && seed === undefined) ctx.log.warn(`${preset.title} may not support "seed"; it is not sent.`);
    let credential: Promise<Record<string, string>> | undefined;
    const secret = () => (config.credential === undefined ? Promise.resolve<Record<string, string>>({}) : (credential ??= ctx.secret(config.credential)));

    return ctx.forEachItem(
      items,
      async (item, index) => {
        const where = `"${ctx.nodeName}" item ${index + 1}`;
        const messages = await renderMessages(config, plan, (value) => ctx.evaluate(value, index), where);
        const values = await secret();
        const stepBaseUrl = config.baseUrl === undefined ? undefined : text(await ctx.evaluate(config.baseUrl, index));
        const connection: Connection = {
          provider: config.provider,
          baseUrl: resolveBaseUrl(config.provider, values.baseUrl, stepBaseUrl),
          apiKey: values.apiKey,
          credentialId: config.credential,
          ...(config.azure ? { azure: config.azure } : {}),
          maxRetries: config.maxRetries,
          timeoutMs: Math.round(config.timeoutSeconds * 1000),
          signal: ctx.signal,
          where,
        };
        const ask = (conversation: ChatMessage[], purpose: LlmRequest['purpose']) => askModel(ctx, index, connection, request(config, plan, seed, conversation, purpose));

        const first = usableText(await ask(messages, 'answer'), where);
        if (plan.responseFormat === 'text') return withAnswer(config, item, { text: first.text });
        const checked = checkAnswer(plan.fields, first.text);
        if (checked.ok) return withAnswer(config, item, checked.value);

        // One repair attempt: the model sees its answer and what was wrong with it.
        const repair = [...messages, { role: 'assistant' as const, content: first.text }, { role: 'user' as const, content: repairPrompt(checked.problems) }];
        const second = usableText(await ask(repair, 'repair'), where);
        const rechecked = checkAnswer(plan.fields, second.text);
        if (rechecked.ok) return withAnswer(config, item, rechecked.value);
        throw new NodeError({
          message: `${where}: the answer from ${config.model} does not fit the answer fields, even after one repair attempt: ${rechecked.problems.join('; ')}.`,
          code: 'LLM_BAD_ANSWER',
          retryable: false,
          hint: 'Describe the fields more clearly, add an example, or use a stronger model. The raw answer is in error.details.raw.',
          details: { raw: second.text, firstAnswer: first.text, problems: rechecked.problems, requestId: second.requestId },
        });
      },
      { concurrency: config.concurrency },
    );
  },
});

function request(config: LlmConfig, plan: AnswerPlan, seed: number | undefined, messages: ChatMessage[], purpose: LlmRequest['purpose']): LlmRequest {
  return {
    provider: config.provider,
    model: config.model,
    messages,
    settings: {
      ...(config.temperature === undefined ? {} : { temperature: config.temperature }),
      ...(config.maxTokens === undefined ? {} : { maxTokens: config.maxTokens }),
      ...(seed === undefined ? {} : { seed }),
      responseFormat: plan.responseFormat,
      ...(plan.responseFormat === 'json_schema' && plan.schema ? { schema: plan.schema } : {}),
      stream: config.stream,
      ...(config.provider === 'azure' && config.azure ? { deployment: config.azure.deployment } : {}),
    },
    purpose,
  };
}

/** One recorded model call. The dev-cache key holds where it goes and what it asks, never the key. */
function askModel(ctx: NodeContext, itemIndex: number, connection: Connection, llmRequest: LlmRequest): Promise<LlmResult> {
  const cacheKey = JSON.stringify({ endpoint: connection.baseUrl ?? null, request: llmRequest });
  return ctx.external('llm', llmRequest, { itemIndex, effects: 'read', cacheKey, cacheIf: (result) => isUsable(result as LlmResult) }, () => sendChat(connection, llmRequest));
}

/** Answers worth keeping in the development cache: a failed one should be asked again next time. */
function isUsable(result: LlmResult): boolean {
  return result.choices > 0 && !result.refusal && result.finishReason !== 'content_filter' && result.finishReason !== 'length' && result.text !== null && result.text.trim() !== '';
}

/** The answer text, or a clear error for answers that cannot be used. */
function usableText(result: LlmResult, where: string): { text: string; requestId: string | null } {
  const details = { requestId: result.requestId, model: result.model, finishReason: result.finishReason };
  if (result.choices === 0) {
    throw new NodeError({ message: `${where}: ${result.model} sent back no answer at all (no choices).`, code: 'LLM_EMPTY', retryable: false, hint: 'Run it again; if it keeps happening, the provider or model has a problem.', details });
  }
  if (result.refusal) {
    throw new NodeError({ message: `${where}: ${result.model} refused to answer: ${result.refusal}`, code: 'LLM_REFUSED', retryable: false, hint: 'Rephrase the prompt, or send this item to a person.', details: { ...details, raw: result.refusal } });
  }
  if (result.finishReason === 'content_filter') {
    throw new NodeError({ message: `${where}: the provider's content filter stopped the answer from ${result.model}.`, code: 'LLM_REFUSED', retryable: false, hint: 'Send this item to a person, or adjust the prompt.', details: { ...details, raw: result.text } });
  }
  if (result.finishReason === 'length') {
    throw new NodeError({
      message: `${where}: the answer from ${result.model} was cut off at the token limit.`,
      code: 'LLM_TRUNCATED',
      retryable: false,
      hint: 'Raise "Max tokens" on the step, or ask for a shorter answer.',
      details: { ...details, raw: result.text },
    });
  }
  if (result.text === null || result.text.trim() === '') {
    throw new NodeError({ message: `${where}: ${result.model} answered with empty text.`, code: 'LLM_EMPTY', retryable: false, hint: 'Run it again, or check the prompt: it may ask for nothing.', details });
  }
  return { text: result.text, requestId: result.requestId };
}

function repairPrompt(problems: readonly string[]): string {
  return [
    'Your answer does not have the required format:',
    ...problems.map((p) => `- ${p}`),
    'Answer again with only the corrected JSON object.',
  ].join('\n');
}

function withAnswer(config: LlmConfig, item: Item, answer: Record<string, unknown>): Item {
  return config.outputField === '' ? { ...item, ...answer } : { ...item, [config.outputField]: answer };
}

function text(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  return typeof value === 'object' ? JSON.stringify(value, null, 2) : String(value);
}
