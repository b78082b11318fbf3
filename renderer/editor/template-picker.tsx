/** "Start from a template": the shipped example flows, one click each. */
import { useEffect, useState } from 'react';
import type { FlowTemplate } from '../../engine/model/contract.ts';
import { getApi } from '../api.ts';
import { toErrorView } from '../logic/errors.ts';
import { go } from '../stores/nav-store.ts';
import { notify } from '../stores/notice-store.ts';
import { createFlow } from './new-flow.ts';

export function TemplatePicker({ onDone }: { onDone?(): void }) {
  const [templates, setTemplates] = useState<FlowTemplate[] | undefined>();
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    let live = true;
    getApi()
      .flows.templates()
      .then((t) => live && setTemplates(t))
      .catch(() => live && setTemplates([]));
    return () => {
      live = false;
    };
  }, []);
  if (!templates) return <p className="muted">Loading templates…</p>;
  if (templates.length === 0) return <p className="muted">No templates are installed.</p>;
  const start = async (template?: FlowTemplate) => {
    setBusy(true);
    try {
      const flow = await createFlow(template);
      onDone?.();
      go({ view: 'editor', flowId: flow.id });
    } catch (e) {
      notify(toErrorView(e).message, 'danger', 10_000);
      setBusy(false);
    }
  };
  return (
    <ul className="template-list" aria-label="Templates">
      {templates.map((t) => (
        <li key={t.id}>
          <button type="button" className="template-card" disabled={busy} onClick={() => void start(t)} data-template-id={t.id}>
            <span className="template-title">{t.name}</span>
            <span className="template-desc">{t.description}</span>
            <span className="template-meta">{t.nodeCount} steps</span>
          </button>
        </li>
      ))}
    </ul>
  );
}

/** "New flow": an empty canvas. */
export async function startEmptyFlow(): Promise<void> {
  try {
    const flow = await createFlow();
    go({ view: 'editor', flowId: flow.id });
  } catch (e) {
    notify(toErrorView(e).message, 'danger', 10_000);
  }
}
