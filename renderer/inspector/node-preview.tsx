/**
 * "What will be sent": the node type's own preview for the last run's item (for the AI step, the
 * rendered messages and the answer format), from `catalog.preview`. Nothing is called; the
 * preview is asked for on a click so typing does not send a stream of requests.
 */
import { useId, useState } from 'react';
import { toErrorView } from '../logic/errors.ts';
import { asPreviewItem, useInspectorApi, type PreviewConfig } from './inspector-api.ts';

type Shown = { status: 'idle' } | { status: 'loading' } | { status: 'ok'; preview: unknown } | { status: 'problems'; messages: string[] } | { status: 'error'; message: string };

interface Message {
  role: string;
  content: string;
}

export function NodePreview({ type, config, sampleItem }: { type: string; config: Record<string, unknown>; sampleItem?: unknown }) {
  const api = useInspectorApi();
  const [shown, setShown] = useState<Shown>({ status: 'idle' });
  const titleId = useId();

  async function load() {
    setShown({ status: 'loading' });
    try {
      const reply = await api.catalog.preview({ type, config: config as PreviewConfig, item: asPreviewItem(sampleItem) });
      if (reply.problems.length > 0) setShown({ status: 'problems', messages: reply.problems.map((p) => p.message) });
      else if (!reply.available) setShown({ status: 'error', message: 'This kind of step has no preview.' });
      else setShown({ status: 'ok', preview: reply.preview });
    } catch (error) {
      setShown({ status: 'error', message: toErrorView(error).message });
    }
  }

  const messages = shown.status === 'ok' ? messagesOf(shown.preview) : [];
  return (
    <div className="inspector-section inspector-node-preview" role="group" aria-labelledby={titleId}>
      <div id={titleId} className="field-label">
        What will be sent to the model
      </div>
      <div className="field-row">
        <button type="button" className="button button-small" onClick={() => void load()}>
          {shown.status === 'idle' ? 'Preview what will be sent' : 'Refresh the preview'}
        </button>
        <span className="field-help">{sampleItem === undefined ? 'Uses an empty item until the flow has run once.' : 'Uses the item from the last run. Nothing is sent.'}</span>
      </div>
      {shown.status === 'loading' ? <p className="muted">Putting the request together…</p> : null}
      {shown.status === 'problems' ? (
        <ul className="inspector-field-problems">
          {shown.messages.map((m, i) => (
            <li key={i} className="field-error">
              {m}
            </li>
          ))}
        </ul>
      ) : null}
      {shown.status === 'error' ? <p className="field-error">{shown.message}</p> : null}
      {messages.map((m, i) => (
        <div key={i} className="inspector-message">
          <div className="inspector-message-role">{m.role === 'system' ? 'Instructions' : m.role === 'assistant' ? 'Example answer' : 'Sent to the model'}</div>
          <pre className="inspector-message-text">{m.content}</pre>
        </div>
      ))}
    </div>
  );
}

function messagesOf(preview: unknown): Message[] {
  const list = (preview as { messages?: unknown } | null)?.messages;
  return Array.isArray(list) ? list.filter((m): m is Message => typeof (m as Message | null)?.content === 'string' && typeof (m as Message).role === 'string') : [];
}
