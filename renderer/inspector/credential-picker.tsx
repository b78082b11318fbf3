/**
 * Picks a stored credential by its name (never its id or value), limited to the types the node
 * accepts, and creates one inline: the value is typed once, goes to the system keychain through
 * `credentials.set`, and is never shown or read back.
 */
import { useId, useState } from 'react';
import type { CredentialInfo } from '../../engine/model/contract.ts';
import { toErrorView } from '../logic/errors.ts';
import { credentialTypeTitle, presetFor } from '../../engine/model/credential-types.ts';
import { useInspectorApi } from './inspector-api.ts';

export interface CredentialPickerProps {
  value: string | undefined;
  onChange(id: string | undefined): void;
  credentials: readonly CredentialInfo[];
  /** Credential types this field accepts (empty: any). */
  types: readonly string[];
  inputId: string;
  describedBy?: string;
  invalid?: boolean;
  readOnly?: boolean;
}

export function credentialName(c: CredentialInfo): string {
  return c.label.trim() !== '' ? c.label : c.id;
}

/** A readable, unique id from the name: "Acme API token" → "acme-api-token" (or "-2"). */
export function credentialIdFor(name: string, taken: ReadonlySet<string>): string {
  const base = name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 80) || 'credential';
  let id = base;
  for (let n = 2; taken.has(id); n++) id = `${base}-${n}`;
  return id;
}

export function CredentialPicker(props: CredentialPickerProps) {
  const [created, setCreated] = useState<CredentialInfo[]>([]);
  const [adding, setAdding] = useState(false);
  const all = [...props.credentials, ...created.filter((c) => !props.credentials.some((p) => p.id === c.id))];
  const usable = all.filter((c) => props.types.length === 0 || props.types.includes(c.type));
  const missing = props.value !== undefined && !all.some((c) => c.id === props.value);

  return (
    <div className="credential-picker">
      <div className="field-row">
        <select
          id={props.inputId}
          className="input"
          value={props.value ?? ''}
          disabled={props.readOnly}
          aria-describedby={props.describedBy}
          aria-invalid={props.invalid || missing ? 'true' : undefined}
          onChange={(e) => props.onChange(e.target.value === '' ? undefined : e.target.value)}
        >
          <option value="">{usable.length === 0 ? 'No credential stored yet' : 'Choose a credential…'}</option>
          {usable.map((c) => (
            <option key={c.id} value={c.id}>
              {credentialName(c)}
              {props.types.length > 1 ? ` (${credentialTypeTitle(c.type)})` : ''}
            </option>
          ))}
          {missing ? <option value={props.value}>A credential that is not stored here</option> : null}
        </select>
        {!props.readOnly && !adding ? (
          <button type="button" className="button button-small" onClick={() => setAdding(true)}>
            New…
          </button>
        ) : null}
      </div>
      {missing ? <div className="field-error">The chosen credential is not stored on this computer. Choose another one or add it.</div> : null}
      {adding ? (
        <NewCredential
          types={props.types}
          taken={new Set(all.map((c) => c.id))}
          onCancel={() => setAdding(false)}
          onCreated={(info) => {
            setCreated((list) => [...list, info]);
            setAdding(false);
            props.onChange(info.id);
          }}
        />
      ) : null}
    </div>
  );
}

function NewCredential({ types, taken, onCancel, onCreated }: { types: readonly string[]; taken: ReadonlySet<string>; onCancel(): void; onCreated(info: CredentialInfo): void }) {
  const api = useInspectorApi();
  const uid = useId();
  const [type, setType] = useState(types[0] ?? 'other');
  const [name, setName] = useState('');
  const [values, setValues] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | undefined>();
  const [saving, setSaving] = useState(false);
  const preset = presetFor(type);
  const fields = preset?.fields ?? [{ name: 'value', label: 'Secret value', secret: true }];

  async function save() {
    if (name.trim() === '') return setError('Give the credential a name, so you can recognise it later.');
    const empty = fields.find((f) => !('optional' in f && f.optional) && (values[f.name] ?? '') === '');
    if (empty) return setError(`Fill in “${empty.label}”.`);
    setSaving(true);
    setError(undefined);
    try {
      const kept = Object.fromEntries(Object.entries(values).filter(([, v]) => v !== ''));
      onCreated(await api.credentials.set({ id: credentialIdFor(name, taken), type, label: name.trim(), values: kept }));
    } catch (e) {
      setError(toErrorView(e).message);
      setSaving(false);
    }
  }

  return (
    <div className="inspector-subform" role="group" aria-label="New credential">
      <p className="field-help">The value is stored in this computer's keychain. Flowkeeper never shows it again, and it never appears in the flow or its run history.</p>
      <label className="field">
        <span className="field-label">Name</span>
        <input className="input" value={name} placeholder="e.g. Accounting API token" onChange={(e) => setName(e.target.value)} />
      </label>
      {types.length > 1 ? (
        <label className="field">
          <span className="field-label">Kind</span>
          <select className="input" value={type} onChange={(e) => setType(e.target.value)}>
            {types.map((t) => (
              <option key={t} value={t}>
                {credentialTypeTitle(t)}
              </option>
            ))}
          </select>
        </label>
      ) : null}
      {fields.map((f) => (
        <label key={f.name} className="field" htmlFor={`${uid}-${f.name}`}>
          <span className="field-label">
            {f.label}
            {'optional' in f && f.optional ? <span className="required"> (optional)</span> : null}
          </span>
          <input
            id={`${uid}-${f.name}`}
            className="input"
            type={f.secret ? 'password' : 'text'}
            autoComplete="off"
            value={values[f.name] ?? ''}
            onChange={(e) => setValues((v) => ({ ...v, [f.name]: e.target.value }))}
          />
        </label>
      ))}
      {preset?.connect ? <p className="field-help">After saving, sign in once: Credentials → Connect.</p> : null}
      {error ? (
        <div className="field-error" role="alert">
          {error}
        </div>
      ) : null}
      <div className="form-actions">
        <button type="button" className="button button-small" onClick={onCancel}>
          Cancel
        </button>
        <button type="button" className="button button-small button-primary" disabled={saving} onClick={() => void save()}>
          {saving ? 'Saving…' : 'Save credential'}
        </button>
      </div>
    </div>
  );
}
