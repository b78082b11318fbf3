/**
 * Pure helpers of the flow page: the charter with defaults, the metric forms in plain words and
 * the units a person types (percent, minutes) against what the charter stores (0–1, ms).
 * Imports only engine/model.
 */
import { CharterSchema, type Charter, type MetricKind, type MetricResult, type SuccessMetric } from '../../engine/model/charter.ts';
import type { Flow } from '../../engine/model/flow.ts';

/**
 * The flow's charter with defaults filled in. Lenient on purpose: a field that would not pass
 * the schema (hand-edited) is kept as it is rather than the whole charter reset, so the next edit
 * never wipes what the person entered. A flow without a charter starts from its older owner.
 */
export function charterOf(flow: Pick<Flow, 'charter' | 'owner'>): Charter {
  const base = CharterSchema.parse({});
  const raw = (flow.charter ?? {}) as Partial<Charter>;
  const charter: Charter = {
    ...base,
    ...raw,
    owner: { ...base.owner, ...raw.owner },
    backupOwner: { ...base.backupOwner, ...raw.backupOwner },
    waivers: Array.isArray(raw.waivers) ? raw.waivers : [],
  };
  if (!flow.charter && flow.owner) charter.owner = { ...charter.owner, name: flow.owner };
  return charter;
}

export interface MetricForm {
  kind: MetricKind;
  /** The choice in the picker. */
  title: string;
  /** One sentence under it. */
  explain: string;
  /** What the target is typed as. */
  unit: 'items' | 'percent' | 'minutes';
  needsStep: boolean;
  needsPeriod: boolean;
  needsMinutesPerRun: boolean;
}

export const METRIC_FORMS: MetricForm[] = [
  { kind: 'items-reached-step', title: 'Items that reach a step', explain: 'Counts the items that arrive at the step you pick (for example replies sent), per day or per week.', unit: 'items', needsStep: true, needsPeriod: true, needsMinutesPerRun: false },
  { kind: 'reviews-approved-unedited', title: 'Reviews approved without edits', explain: 'The share of reviews a person approved exactly as the flow proposed them.', unit: 'percent', needsStep: false, needsPeriod: false, needsMinutesPerRun: false },
  { kind: 'median-trigger-to-done', title: 'Time from trigger to done', explain: 'How long half the runs take at most, from the moment the trigger fired until the run finished. Lower is better.', unit: 'minutes', needsStep: false, needsPeriod: false, needsMinutesPerRun: false },
  { kind: 'runs-without-person', title: 'Runs that need no person', explain: 'The share of runs that finished without anyone having to decide anything.', unit: 'percent', needsStep: false, needsPeriod: false, needsMinutesPerRun: false },
  { kind: 'minutes-saved', title: 'Minutes saved', explain: 'The minutes one run saves a person, times the runs that succeeded, per day or per week.', unit: 'minutes', needsStep: false, needsPeriod: true, needsMinutesPerRun: true },
];

export function formOf(kind: MetricKind): MetricForm {
  return METRIC_FORMS.find((f) => f.kind === kind)!;
}

/** A stored value (share 0–1, ms, count) as the number the form shows. */
export function toShown(kind: MetricKind, value: number | undefined): string {
  if (value === undefined) return '';
  const unit = formOf(kind).unit;
  const shown = unit === 'percent' ? value * 100 : kind === 'median-trigger-to-done' ? value / 60_000 : value;
  return String(Math.round(shown * 1000) / 1000);
}

/** What a person typed, as the charter stores it; undefined when empty or not a number. */
export function fromShown(kind: MetricKind, text: string): number | undefined {
  const trimmed = text.trim().replace(',', '.');
  if (trimmed === '') return undefined;
  const n = Number(trimmed);
  if (!Number.isFinite(n) || n < 0) return undefined;
  const unit = formOf(kind).unit;
  return unit === 'percent' ? n / 100 : kind === 'median-trigger-to-done' ? n * 60_000 : n;
}

export function unitWord(kind: MetricKind, period?: string): string {
  const per = period === 'week' ? ' per week' : ' per day';
  switch (kind) {
    case 'items-reached-step':
      return `items${per}`;
    case 'reviews-approved-unedited':
    case 'runs-without-person':
      return '%';
    case 'median-trigger-to-done':
      return 'minutes';
    case 'minutes-saved':
      return `minutes${per}`;
  }
}

/** A metric figure in words: "1.1 items per day", "57 %", "3.5 minutes". */
export function showFigure(result: Pick<MetricResult, 'kind' | 'unit' | 'period'>, value: number): string {
  if (result.unit === 'share') return `${Math.round(value * 1000) / 10} %`;
  if (result.unit === 'ms') return value < 60_000 ? `${Math.round(value / 100) / 10} seconds` : `${Math.round(value / 6000) / 10} minutes`;
  const per = result.period === 'week' ? ' per week' : ' per day';
  return `${Math.round(value * 10) / 10} ${result.unit === 'minutes' ? 'minutes' : 'items'}${per}`;
}

/** A new metric of a form, keeping the target and window when they still make sense. */
export function switchForm(previous: SuccessMetric | undefined, kind: MetricKind): SuccessMetric {
  const form = formOf(kind);
  const sameUnit = previous !== undefined && formOf(previous.kind).unit === form.unit && previous.kind !== 'median-trigger-to-done' && kind !== 'median-trigger-to-done';
  return {
    kind,
    target: sameUnit ? previous.target : 0,
    ...(sameUnit && previous.baseline !== undefined ? { baseline: previous.baseline } : {}),
    windowDays: previous?.windowDays ?? 7,
    ...(form.needsPeriod ? { period: previous?.period ?? 'day' } : {}),
    ...(form.needsStep && previous?.stepId ? { stepId: previous.stepId } : {}),
    ...(form.needsMinutesPerRun && previous?.minutesPerRun !== undefined ? { minutesPerRun: previous.minutesPerRun } : {}),
  };
}

/** Comma- or line-separated addresses as a list. */
export function splitAddresses(text: string): string[] {
  return text
    .split(/[,;\n]/)
    .map((a) => a.trim())
    .filter((a) => a !== '');
}
