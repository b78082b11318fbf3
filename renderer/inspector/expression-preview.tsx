/**
 * The live value of one expression for the item from the last run (or an empty item before any
 * run), evaluated by the engine through `catalog.preview`. The "Set fields" step's preview is
 * the evaluator: it renders any `{{ }}` template for an item without calling anything, so a
 * field's preview works even while the rest of the step is still incomplete.
 */
import { useEffect, useState } from 'react';
import { toErrorView } from '../logic/errors.ts';
import { asPreviewItem, useInspectorApi } from './inspector-api.ts';

type PreviewState = { status: 'idle' } | { status: 'loading' } | { status: 'ok'; value: unknown; present: boolean } | { status: 'error'; message: string };

const DEBOUNCE_MS = 350;

export function ExpressionPreview({ source, mode, sampleItem }: { source: string; mode: 'template' | 'expression'; sampleItem?: unknown }) {
  const api = useInspectorApi();
  const [state, setState] = useState<PreviewState>({ status: 'idle' });
  const itemKey = JSON.stringify(sampleItem ?? null);

  useEffect(() => {
    if (source.trim() === '') {
      setState({ status: 'idle' });
      return;
    }
    let cancelled = false;
    setState((s) => (s.status === 'idle' ? { status: 'loading' } : s));
    const timer = setTimeout(() => {
      const value = mode === 'expression' ? `{{ ${source} }}` : source;
      api.catalog
        .preview({ type: 'transform.set', config: { fields: [{ name: 'value', value }], keepOtherFields: false }, item: asPreviewItem(sampleItem) })
        .then((reply) => {
          if (cancelled) return;
          if (reply.problems.length > 0) setState({ status: 'error', message: reply.problems[0]!.message });
          else {
            const out = (reply.preview ?? {}) as Record<string, unknown>;
            setState({ status: 'ok', value: out.value, present: out.value !== undefined });
          }
        })
        .catch((error: unknown) => {
          if (!cancelled) setState({ status: 'error', message: toErrorView(error).message });
        });
    }, DEBOUNCE_MS);
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
    // itemKey stands for sampleItem (a new object with the same content is the same item).
  }, [source, mode, itemKey, api]);

  if (state.status === 'idle') return null;
  const basis = sampleItem === undefined ? 'for an empty item (run the flow once to preview with real data)' : 'for the item from the last run';
  return (
    <div className={`expression-preview${state.status === 'error' ? ' expression-preview-error' : ''}`} aria-live="polite">
      <span className="expression-preview-label">{state.status === 'error' ? 'Cannot work this out yet' : `Result ${basis}`}</span>
      {state.status === 'loading' ? <span className="muted">Working it out…</span> : null}
      {state.status === 'error' ? <span>{state.message}</span> : null}
      {state.status === 'ok' ? <code className="expression-preview-value">{state.present ? showValue(state.value) : 'nothing (the field is not on this item)'}</code> : null}
      {/\$(input|nodes)\b/.test(source) ? <span className="expression-preview-label">$input and $nodes get their real values only when the flow runs.</span> : null}
    </div>
  );
}

function showValue(value: unknown): string {
  if (typeof value === 'string') return value === '' ? '(empty text)' : value;
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 400 ? `${text.slice(0, 400)}…` : text;
}
