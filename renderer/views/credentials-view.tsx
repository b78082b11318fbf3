/**
 * Credentials: names, kinds and field names — never values. Values are write-only: typed into
 * password boxes that are never pre-filled and are cleared after saving.
 */
import { useEffect, useId, useState } from 'react';
import type { CredentialInfo } from '../../engine/model/contract.ts';
import { getApi } from '../api.ts';
import { Dialog } from '../components/dialog.tsx';
import { EmptyState } from '../components/empty-state.tsx';
import { ErrorBox } from '../components/error-box.tsx';
import { KeychainStatusPanel } from '../components/keychain-status.tsx';
import { CREDENTIAL_TYPES, collectValues, credentialIdProblem, credentialTypeTitle, presetFor } from '../../engine/model/credential-types.ts';
import { toErrorView, type ErrorView } from '../logic/errors.ts';
import { formatTimestamp, formatWhen } from '../logic/format.ts';
import { useCredentials } from '../stores/credentials-store.ts';
import { ConnectButton, ConnectionState, needsConnect } from './credential-connect.tsx';
import { notify } from '../stores/notice-store.ts';

const OTHER = '__other__';

type Editing = { mode: 'add' } | { mode: 'replace'; credential: CredentialInfo };

export function CredentialsView() {
  const { credentials, loaded, error, load, status } = useCredentials();
  const [editing, setEditing] = useState<Editing | undefined>();
  const [deleting, setDeleting] = useState<CredentialInfo | undefined>();

  useEffect(() => {
    void load();
  }, [load]);

  const addButton = (
    <button type="button" className="button button-primary" onClick={() => setEditing({ mode: 'add' })}>
      Add credential
    </button>
  );

  return (
    <section className="view" aria-labelledby="credentials-title">
      <header className="view-header">
        <div>
          <h1 id="credentials-title">Credentials</h1>
          <p className="view-subtitle">Keys and passwords your flows sign in with. They are kept in your system’s keychain; flows and traces only hold their names.</p>
        </div>
        <div className="view-actions">{addButton}</div>
      </header>

      <KeychainStatusPanel status={status} />
      {error ? <ErrorBox error={error} onRetry={() => void load()} /> : null}
      {!loaded ? <p className="muted loading">Loading credentials…</p> : null}

      {loaded && !error && credentials.length === 0 ? (
        <EmptyState title="No credentials yet" action={addButton}>
          <p>
            When a flow calls a service that needs a key or a password, add it here under the name the flow uses (for example <code>shop-api</code>). You can replace or delete
            it later, but nobody can read it back.
          </p>
        </EmptyState>
      ) : null}

      {credentials.length > 0 ? (
        <table className="table credentials-table">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Kind</th>
              <th scope="col">Stored fields</th>
              <th scope="col">Changed</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {credentials.map((c) => (
              <tr key={c.id} data-credential-id={c.id}>
                <td>
                  <div className="cell-title mono">{c.id}</div>
                  {c.label ? <div className="cell-sub">{c.label}</div> : null}
                </td>
                <td>
                  {credentialTypeTitle(c.type)}
                  {needsConnect(c) ? <ConnectionState credential={c} /> : null}
                </td>
                <td>
                  {c.fields.map((f) => (
                    <span key={f} className="chip chip-field" title="The value is stored and hidden">
                      {f} <span aria-hidden="true">••••</span>
                    </span>
                  ))}
                </td>
                <td title={formatTimestamp(c.updatedAt)}>{formatWhen(c.updatedAt)}</td>
                <td className="row-actions">
                  {needsConnect(c) ? <ConnectButton credential={c} /> : null}
                  <button type="button" className="button button-small" onClick={() => setEditing({ mode: 'replace', credential: c })} aria-label={`Replace ${c.id}`}>
                    Replace
                  </button>
                  <button type="button" className="button button-small button-danger-outline" onClick={() => setDeleting(c)} aria-label={`Delete ${c.id}`}>
                    Delete
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}

      <Dialog open={editing !== undefined} title={editing?.mode === 'replace' ? `Replace “${editing.credential.id}”` : 'Add a credential'} onClose={() => setEditing(undefined)}>
        {editing ? <CredentialForm editing={editing} onDone={() => setEditing(undefined)} /> : null}
      </Dialog>
      <Dialog open={deleting !== undefined} title="Delete this credential?" onClose={() => setDeleting(undefined)}>
        {deleting ? <DeleteConfirm credential={deleting} onDone={() => setDeleting(undefined)} /> : null}
      </Dialog>
    </section>
  );
}

interface FieldRow {
  key: number;
  name: string;
}

function CredentialForm({ editing, onDone }: { editing: Editing; onDone(): void }) {
  const existing = editing.mode === 'replace' ? editing.credential : undefined;
  const knownType = existing ? presetFor(existing.type) !== undefined : true;
  const [id, setId] = useState(existing?.id ?? '');
  const [type, setType] = useState(existing ? (knownType ? existing.type : OTHER) : (CREDENTIAL_TYPES[0]?.type ?? OTHER));
  const [customType, setCustomType] = useState(existing && !knownType ? existing.type : '');
  const [label, setLabel] = useState(existing?.label ?? '');
  const [rows, setRows] = useState<FieldRow[]>(() => (existing && !knownType ? existing.fields : ['value']).map((name, key) => ({ key, name })));
  // Values are held only until saved; never pre-filled.
  const [values, setValues] = useState<Record<string, string>>({});
  const [problem, setProblem] = useState<string | undefined>();
  const [error, setError] = useState<ErrorView | undefined>();
  const [busy, setBusy] = useState(false);
  const idId = useId();
  const typeId = useId();
  const customTypeId = useId();
  const labelId = useId();
  const base = useId();

  const preset = type === OTHER ? undefined : presetFor(type);
  const fields = preset
    ? preset.fields.map((f) => ({ key: f.name, name: f.name, label: f.label, ...(f.optional ? { optional: true } : {}) }))
    : rows.map((r) => ({ key: `row-${r.key}`, name: r.name, label: r.name || 'this field' }));

  const save = async () => {
    const idProblem = existing ? undefined : credentialIdProblem(id);
    if (idProblem) return setProblem(idProblem);
    if (type === OTHER && customType.trim() === '') return setProblem('Say what kind of credential this is, for example my-service.key.');
    const collected = collectValues(
      fields.map((f) => ({ name: f.name, label: f.label, ...('optional' in f ? { optional: true } : {}) })),
      Object.fromEntries(fields.map((f) => [f.name, values[f.key] ?? ''])),
    );
    if (!collected.ok) return setProblem(collected.message);
    setProblem(undefined);
    setError(undefined);
    setBusy(true);
    try {
      const saved = await getApi().credentials.set({ id: id.trim(), type: type === OTHER ? customType.trim() : type, label: label.trim(), values: collected.values });
      setValues({});
      notify(
        presetFor(saved.type)?.connect
          ? `Saved “${saved.id}”. Now press Connect to sign in once in the browser.`
          : `Saved “${saved.id}”. Its values are in the keychain and cannot be shown again.`,
      );
      void useCredentials.getState().load();
      onDone();
    } catch (e) {
      setValues({});
      setError(toErrorView(e));
      setBusy(false);
    }
  };

  return (
    <form
      className="stack"
      noValidate
      autoComplete="off"
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      <div className="field">
        <label className="field-label" htmlFor={idId}>
          Name
        </label>
        <input id={idId} className="input mono" value={id} onChange={(e) => setId(e.target.value)} readOnly={existing !== undefined} placeholder="shop-api" aria-describedby={`${idId}-help`} />
        <p className="field-help" id={`${idId}-help`}>
          {existing ? 'Flows refer to the credential by this name.' : 'The name flows use to refer to it: letters, digits, “-”, “_” and “.”.'}
        </p>
      </div>
      <div className="field">
        <label className="field-label" htmlFor={typeId}>
          Kind
        </label>
        <select id={typeId} className="input" value={type} onChange={(e) => setType(e.target.value)}>
          {CREDENTIAL_TYPES.map((t) => (
            <option key={t.type} value={t.type}>
              {t.title}
            </option>
          ))}
          <option value={OTHER}>Something else (name the fields yourself)</option>
        </select>
      </div>
      {type === OTHER ? (
        <div className="field">
          <label className="field-label" htmlFor={customTypeId}>
            Kind name
          </label>
          <input id={customTypeId} className="input mono" value={customType} onChange={(e) => setCustomType(e.target.value)} placeholder="my-service.key" />
        </div>
      ) : null}
      <div className="field">
        <label className="field-label" htmlFor={labelId}>
          Description <span className="muted">(optional)</span>
        </label>
        <input id={labelId} className="input" value={label} onChange={(e) => setLabel(e.target.value)} placeholder="Shop API, production account" />
      </div>

      <fieldset className="fieldset">
        <legend>Values</legend>
        <p className="field-help">{existing ? 'Type the new values. The old ones are replaced and cannot be shown.' : 'Once saved, values cannot be shown again — only replaced.'}</p>
        {fields.map((f, index) => (
          <div className="field" key={f.key}>
            {preset ? (
              <label className="field-label" htmlFor={`${base}-${f.key}`}>
                {f.label}
                {'optional' in f ? <span className="muted"> (optional)</span> : null}
              </label>
            ) : (
              <div className="field-row">
                <label className="visually-hidden" htmlFor={`${base}-${f.key}-name`}>
                  Field {index + 1} name
                </label>
                <input
                  id={`${base}-${f.key}-name`}
                  className="input mono input-field-name"
                  value={f.name}
                  placeholder="field name"
                  onChange={(e) => setRows((rs) => rs.map((r, i) => (i === index ? { ...r, name: e.target.value } : r)))}
                />
                {rows.length > 1 ? (
                  <button type="button" className="button button-small button-quiet" onClick={() => setRows((rs) => rs.filter((_, i) => i !== index))} aria-label={`Remove field ${f.name || index + 1}`}>
                    Remove
                  </button>
                ) : null}
              </div>
            )}
            <input
              id={preset ? `${base}-${f.key}` : undefined}
              aria-label={preset ? undefined : `Value of ${f.name || `field ${index + 1}`}`}
              className="input"
              type="password"
              autoComplete="new-password"
              value={values[f.key] ?? ''}
              onChange={(e) => setValues((v) => ({ ...v, [f.key]: e.target.value }))}
            />
          </div>
        ))}
        {!preset ? (
          <button type="button" className="button button-small" onClick={() => setRows((rs) => [...rs, { key: Math.max(0, ...rs.map((r) => r.key)) + 1, name: '' }])}>
            Add a field
          </button>
        ) : null}
      </fieldset>

      {problem ? (
        <p className="field-error" role="alert">
          {problem}
        </p>
      ) : null}
      {error ? <ErrorBox error={error} /> : null}
      <div className="form-actions">
        <button type="button" className="button" onClick={onDone}>
          Cancel
        </button>
        <button type="submit" className="button button-primary" disabled={busy}>
          {busy ? 'Saving…' : existing ? 'Replace' : 'Save'}
        </button>
      </div>
    </form>
  );
}

function DeleteConfirm({ credential, onDone }: { credential: CredentialInfo; onDone(): void }) {
  const [error, setError] = useState<ErrorView | undefined>();
  const [busy, setBusy] = useState(false);
  const remove = async () => {
    setBusy(true);
    try {
      await getApi().credentials.delete({ id: credential.id });
      notify(`Deleted “${credential.id}”.`);
      void useCredentials.getState().load();
      onDone();
    } catch (e) {
      setError(toErrorView(e));
      setBusy(false);
    }
  };
  return (
    <div className="stack">
      <p>
        <strong className="mono">{credential.id}</strong> is removed from the keychain. Flows that use it stop working until you add it again under the same name.
      </p>
      {error ? <ErrorBox error={error} /> : null}
      <div className="form-actions">
        <button type="button" className="button" onClick={onDone}>
          Keep it
        </button>
        <button type="button" className="button button-danger" onClick={() => void remove()} disabled={busy}>
          {busy ? 'Deleting…' : 'Delete'}
        </button>
      </div>
    </div>
  );
}
