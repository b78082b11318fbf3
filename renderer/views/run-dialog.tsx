/**
 * Run a flow: the start form its "Start by hand" step describes (text, number, yes/no, date…),
 * or a JSON box when it describes none. Starting goes straight to the new run.
 */
import { useEffect, useId, useState } from 'react';
import type { FlowSummary } from '../../engine/model/contract.ts';
import { getApi } from '../api.ts';
import { Dialog } from '../components/dialog.tsx';
import { ErrorBox } from '../components/error-box.tsx';
import { toErrorView, type ErrorView } from '../logic/errors.ts';
import { buildInput, initialFormValues, manualInputFields, parseJsonInput, type FormValues, type InputField } from '../logic/input-form.ts';
import { go } from '../stores/nav-store.ts';

/** `onStarted`: what to do with the new run (the editor follows it on the canvas); default: open the run page. */
/** `usePins`: a test run from the editor, where pinned steps give their pinned result (engine/pins.ts). */
export function RunDialog({ flow, onClose, onStarted, usePins }: { flow: Pick<FlowSummary, 'id' | 'name'> | undefined; onClose(): void; onStarted?(runId: string): void; usePins?: boolean }) {
  return (
    <Dialog open={flow !== undefined} title={flow ? `Run “${flow.name}”` : 'Run'} onClose={onClose}>
      {flow ? <RunForm flow={flow} onClose={onClose} {...(onStarted ? { onStarted } : {})} usePins={usePins === true} /> : null}
    </Dialog>
  );
}

function RunForm({ flow, onClose, onStarted, usePins }: { flow: Pick<FlowSummary, 'id' | 'name'>; onClose(): void; onStarted?(runId: string): void; usePins: boolean }) {
  const [fields, setFields] = useState<InputField[] | null | undefined>(undefined);
  const [values, setValues] = useState<FormValues>({});
  const [json, setJson] = useState('{}');
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<ErrorView | undefined>();
  const [busy, setBusy] = useState(false);
  const jsonId = useId();

  useEffect(() => {
    let live = true;
    getApi()
      .flows.get({ id: flow.id })
      .then((result) => {
        if (!live) return;
        const found = manualInputFields(result.flow) ?? null;
        setFields(found);
        if (found) setValues(initialFormValues(found));
      })
      .catch((e: unknown) => {
        if (!live) return;
        setFields(null);
        setError(toErrorView(e));
      });
    return () => {
      live = false;
    };
  }, [flow.id]);

  const start = async () => {
    let input: unknown;
    if (fields) {
      const built = buildInput(fields, values);
      if (!built.ok) {
        setFieldErrors(built.errors);
        return;
      }
      input = built.input;
    } else {
      const parsed = parseJsonInput(json);
      if (!parsed.ok) {
        setFieldErrors({ [jsonId]: parsed.message });
        return;
      }
      input = parsed.input;
    }
    setFieldErrors({});
    setError(undefined);
    setBusy(true);
    try {
      const { runId } = await getApi().runs.start({ flowId: flow.id, input, ...(usePins ? { usePins } : {}) });
      onClose();
      if (onStarted) onStarted(runId);
      else go({ view: 'run', runId });
    } catch (e) {
      setError(toErrorView(e));
      setBusy(false);
    }
  };

  if (fields === undefined) return <p className="muted">Loading the start form…</p>;

  return (
    <form
      className="stack"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        void start();
      }}
    >
      {fields ? (
        <>
          <p className="muted">Fill in what this run should start with. Blank fields use the flow’s defaults.</p>
          {fields.map((field) => (
            <InputFieldControl
              key={field.name}
              field={field}
              value={values[field.name]}
              error={fieldErrors[field.name]}
              onChange={(value) => setValues((v) => ({ ...v, [field.name]: value }))}
            />
          ))}
        </>
      ) : (
        <div className="field">
          <label className="field-label" htmlFor={jsonId}>
            Input (JSON)
          </label>
          <p className="field-help" id={`${jsonId}-help`}>
            This flow has no start form. Give its input as JSON: <code>{'{}'}</code> for none, an object for one item, or a list <code>[…]</code> for several items.
          </p>
          <textarea
            id={jsonId}
            className="input mono"
            rows={8}
            spellCheck={false}
            value={json}
            aria-describedby={`${jsonId}-help`}
            aria-invalid={fieldErrors[jsonId] ? true : undefined}
            onChange={(e) => setJson(e.target.value)}
          />
          {fieldErrors[jsonId] ? <p className="field-error">{fieldErrors[jsonId]}</p> : null}
        </div>
      )}
      {error ? <ErrorBox error={error} /> : null}
      <div className="form-actions">
        <button type="button" className="button" onClick={onClose}>
          Cancel
        </button>
        <button type="submit" className="button button-primary" disabled={busy}>
          {busy ? 'Starting…' : 'Start run'}
        </button>
      </div>
    </form>
  );
}

interface ControlProps {
  field: InputField;
  value: string | boolean | undefined;
  error: string | undefined;
  onChange(value: string | boolean): void;
}

function InputFieldControl({ field, value, error, onChange }: ControlProps) {
  const id = useId();
  const helpId = `${id}-help`;
  const describedBy = [field.description ? helpId : '', error ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined;
  const label = (
    <>
      {field.label}
      {field.required ? <span className="required"> (required)</span> : null}
    </>
  );
  if (field.type === 'boolean') {
    return (
      <div className="field">
        <label className="check">
          <input type="checkbox" checked={value === true} onChange={(e) => onChange(e.target.checked)} aria-describedby={describedBy} />
          {label}
        </label>
        {field.description ? <p className="field-help" id={helpId}>{field.description}</p> : null}
      </div>
    );
  }
  const common = {
    id,
    name: field.name,
    value: typeof value === 'string' ? value : '',
    'aria-describedby': describedBy,
    'aria-invalid': error ? true : undefined,
    onChange: (e: { target: { value: string } }) => onChange(e.target.value),
  };
  return (
    <div className="field">
      <label className="field-label" htmlFor={id}>
        {label}
      </label>
      {field.type === 'list' || field.type === 'object' ? (
        <textarea {...common} className="input mono" rows={4} spellCheck={false} placeholder={field.type === 'list' ? '["first", "second"]' : '{ "name": "value" }'} />
      ) : (
        <input
          {...common}
          className="input"
          type={field.type === 'date' ? 'date' : 'text'}
          inputMode={field.type === 'number' ? 'decimal' : undefined}
          autoComplete="off"
          spellCheck={field.type === 'text'}
        />
      )}
      {field.description ? (
        <p className="field-help" id={helpId}>
          {field.description}
        </p>
      ) : null}
      {error ? (
        <p className="field-error" id={`${id}-error`}>
          {error}
        </p>
      ) : null}
    </div>
  );
}
