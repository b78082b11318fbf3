/**
 * Task presets of the AI step (not a node type): what each task tells the model and which answer
 * fields it adds before the operator's own. Imports nothing of the repo but output-fields.
 */
import type { FieldSpec, OutputField } from './output-fields.ts';

export const TASKS = ['custom', 'extract', 'classify', 'summarize', 'draft-reply'] as const;
export type Task = (typeof TASKS)[number];

export const CONFIDENCE_FIELD: FieldSpec = {
  name: 'confidence',
  type: 'number',
  required: true,
  min: 0,
  max: 1,
  description: 'How sure you are of this answer, from 0 (a guess) to 1 (certain).',
};

interface TaskSettings {
  labels: readonly string[];
  askConfidence: boolean;
  outputFields: readonly OutputField[];
}

/** The preset's instructions (the operator's system prompt is added after them). */
export function taskInstructions(task: Task, settings: TaskSettings): string {
  switch (task) {
    case 'custom':
      return '';
    case 'extract':
      return 'Extract the requested information from the input. Use only what the input says: when something is not there, give null instead of guessing.';
    case 'classify':
      return [
        `Classify the input into exactly one of these labels: ${settings.labels.map((l) => JSON.stringify(l)).join(', ')}.`,
        'Give your confidence honestly: a low number when the input is ambiguous, off-topic or fits several labels.',
        'Add one short sentence saying why.',
      ].join(' ');
    case 'summarize':
      return 'Summarize the input faithfully and briefly for a busy colleague. Keep names, numbers and dates exact; add nothing that is not in the input.';
    case 'draft-reply':
      return 'Draft a reply to the message in the input, for a person to review before it is sent. Be polite, specific and brief, write in the language of the message, and promise nothing the input does not support.';
  }
}

/** The fields the preset puts first in the answer. */
export function taskFields(task: Task, settings: TaskSettings): FieldSpec[] {
  switch (task) {
    case 'custom':
      return [];
    case 'extract':
      return settings.askConfidence ? [CONFIDENCE_FIELD] : [];
    case 'classify':
      return [
        { name: 'label', type: 'choice', required: true, options: [...settings.labels], description: 'The one label that fits best.' },
        CONFIDENCE_FIELD,
        { name: 'reason', type: 'text', required: true, description: 'One short sentence: why this label.' },
      ];
    case 'summarize':
      return [{ name: 'summary', type: 'text', required: true, description: 'The summary.' }];
    case 'draft-reply':
      return [{ name: 'reply', type: 'text', required: true, description: 'The text of the reply, ready to send after review.' }];
  }
}

/** Every answer field: the preset's, then the operator's (`outputFields`). */
export function answerFields(task: Task, settings: TaskSettings): FieldSpec[] {
  // Order guides the model: a label before its reason; an extract's confidence after what it rates.
  const preset = taskFields(task, settings);
  const own = settings.outputFields.filter((f) => !preset.some((p) => p.name === f.name));
  return task === 'extract' ? [...own, ...preset] : [...preset, ...own];
}
