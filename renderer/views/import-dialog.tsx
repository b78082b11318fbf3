/** Import a flow: pick a file or paste its JSON. Problems are listed in plain words with where they are. */
import { useId, useState, type ChangeEvent } from 'react';
import { Dialog } from '../components/dialog.tsx';
import { ErrorBox } from '../components/error-box.tsx';
import { ProblemList } from '../components/problem-list.tsx';
import { getApi } from '../api.ts';
import { toErrorView, type ErrorView } from '../logic/errors.ts';
import { flowForNames, type ProblemLike } from '../logic/problems.ts';
import { useFlows } from '../stores/flows-store.ts';
import { notify } from '../stores/notice-store.ts';

export function ImportDialog({ open, onClose }: { open: boolean; onClose(): void }) {
  return (
    <Dialog open={open} title="Import a flow" onClose={onClose} wide>
      <ImportForm onClose={onClose} />
    </Dialog>
  );
}

function ImportForm({ onClose }: { onClose(): void }) {
  const [text, setText] = useState('');
  const [fileName, setFileName] = useState<string | undefined>();
  const [overwrite, setOverwrite] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ErrorView | undefined>();
  const [warnings, setWarnings] = useState<{ name: string; problems: ProblemLike[] } | undefined>();
  const textId = useId();
  const fileId = useId();

  const pickFile = async (event: ChangeEvent<HTMLInputElement>) => {
    const file = event.target.files?.[0];
    if (!file) return;
    setError(undefined);
    if (file.size > 20 * 1024 * 1024) {
      setError({ code: 'TOO_LARGE', message: `${file.name} is larger than 20 MB.`, hint: 'A flow file holds the flow, not its data. Check that you picked the right file.' });
      return;
    }
    setFileName(file.name);
    setText(await file.text());
  };

  const submit = async () => {
    if (text.trim() === '') {
      setError({ code: 'EMPTY', message: 'There is nothing to import yet.', hint: 'Choose a flow file, or paste the flow’s JSON into the box.' });
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      const result = await getApi().flows.import({ text, overwrite });
      const name = result.flow.name || result.flow.id || 'the flow';
      void useFlows.getState().load();
      if (result.problems.length > 0) {
        setWarnings({ name, problems: result.problems });
      } else {
        notify(`Imported “${name}” (version ${result.version}).`);
        onClose();
      }
    } catch (e) {
      setError(toErrorView(e));
    } finally {
      setBusy(false);
    }
  };

  if (warnings) {
    return (
      <div className="stack">
        <p>
          Imported <strong>“{warnings.name}”</strong>. Flowkeeper noticed these things you may want to look at:
        </p>
        <ProblemList problems={warnings.problems} flow={flowForNames(text)} />
        <div className="form-actions">
          <button type="button" className="button button-primary" onClick={onClose}>
            Done
          </button>
        </div>
      </div>
    );
  }

  return (
    <form
      className="stack"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <div className="field">
        <span className="field-label">From a file</span>
        <div className="file-pick">
          <input id={fileId} type="file" accept=".json,application/json" className="visually-hidden" onChange={(e) => void pickFile(e)} />
          <label htmlFor={fileId} className="button">
            Choose a file…
          </label>
          <span className="muted">{fileName ?? 'No file chosen'}</span>
        </div>
      </div>
      <div className="field">
        <label className="field-label" htmlFor={textId}>
          Or paste the flow’s JSON
        </label>
        <textarea
          id={textId}
          className="input mono"
          rows={12}
          spellCheck={false}
          value={text}
          placeholder='{ "format": "flowkeeper/flow", "id": "…", "nodes": [ … ] }'
          onChange={(e) => {
            setText(e.target.value);
            setFileName(undefined);
          }}
        />
      </div>
      <label className="check">
        <input type="checkbox" checked={overwrite} onChange={(e) => setOverwrite(e.target.checked)} />
        Replace a flow that has the same id (it gets a new version; its history stays)
      </label>
      {error ? <ErrorBox error={error} flow={flowForNames(text)} /> : null}
      <div className="form-actions">
        <button type="button" className="button" onClick={onClose}>
          Cancel
        </button>
        <button type="submit" className="button button-primary" disabled={busy}>
          {busy ? 'Importing…' : 'Import'}
        </button>
      </div>
    </form>
  );
}
