/**
 * The import wizard for a hand-over file (issue 12 item 3), opened from the Flows screen with
 * "Import hand-over file": 1 Open the file → 2 Link credentials → 3 Check the reference runs →
 * 4 Take ownership → 5 Switch on. It reads the bundle with `handover.open` (a preview: nothing
 * is stored), replays the reference runs with `handover.acceptance`, imports with
 * `handover.import` and switches on with `flows.activate`, the same gate as any flow.
 *
 * A credential is never linked silently: each requirement lists this machine's credentials of
 * the same kind and "Create a new one", and none is chosen until the person chooses. The rules
 * are in handover-logic.ts (unit-tested); this file draws them.
 */
import './handover.css';
import '../flow-page/flow-page.css';
import { useEffect, useId, useState, type ChangeEvent } from 'react';
import type { Readiness } from '../../engine/model/charter.ts';
import { CREDENTIAL_TYPES } from '../../engine/model/credential-types.ts';
import type { Acceptance, HandoverImportResult, HandoverPreview, RequirementPreview } from '../../engine/model/handover-import.ts';
import { getApi } from '../api.ts';
import { Dialog } from '../components/dialog.tsx';
import { ErrorBox } from '../components/error-box.tsx';
import { toErrorView, type ErrorView } from '../logic/errors.ts';
import { switchRefusal, SwitchRefusalPanel, type SwitchRefusal } from '../components/switch-refusal.tsx';
import { formatTimestamp, formatWhen, runStatusLabel } from '../logic/format.ts';
import { describeReplay } from '../logic/replay.ts';
import { useCredentials } from '../stores/credentials-store.ts';
import { useFlows } from '../stores/flows-store.ts';
import { go } from '../stores/nav-store.ts';
import { notify } from '../stores/notice-store.ts';
import {
  WIZARD_STEPS,
  bundleSourceFromBytes,
  choiceProblem,
  fieldsToCreate,
  importRequest,
  newCredentialChoice,
  ownershipProblems,
  toMappings,
  usedByWords,
  type CredentialChoice,
  type Ownership,
  type Target,
  type WizardStep,
} from './handover-logic.ts';

type Source = { text: string } | { base64: string };
type Choices = Record<string, CredentialChoice | undefined>;

/** Larger files are refused before they are read (the API takes up to 256 MB; a bundle is far smaller). */
const MAX_BYTES = 100 * 1024 * 1024;

export function ImportWizardDialog({ open, onClose }: { open: boolean; onClose(): void }) {
  return (
    <Dialog open={open} title="Import a hand-over file" onClose={onClose} wide>
      <ImportWizard onClose={onClose} />
    </Dialog>
  );
}

function ImportWizard({ onClose }: { onClose(): void }) {
  const [step, setStep] = useState<WizardStep>(0);
  const [source, setSource] = useState<Source | undefined>();
  const [fileName, setFileName] = useState<string | undefined>();
  const [preview, setPreview] = useState<HandoverPreview | undefined>();
  const [target, setTarget] = useState<Target | undefined>();
  const [choices, setChoices] = useState<Choices>({});
  const [acceptance, setAcceptance] = useState<Acceptance | undefined>();
  const [acceptDifferences, setAcceptDifferences] = useState(false);
  const [owner, setOwner] = useState<Ownership>({ name: '', email: '' });
  const [alertWebhookUrl, setAlertWebhookUrl] = useState('');
  const [result, setResult] = useState<HandoverImportResult | undefined>();
  const [busy, setBusy] = useState<string | undefined>();
  const [error, setError] = useState<ErrorView | undefined>();
  const credentials = useCredentials((s) => s.credentials);
  const loadCredentials = useCredentials((s) => s.load);
  useEffect(() => {
    void loadCredentials();
  }, [loadCredentials]);
  const takenIds = new Set(credentials.map((c) => c.id));

  const requirements = preview?.credentials ?? [];
  const linkProblems = requirements.map((r) => choiceProblem(r, choices[r.id], takenIds));
  const linked = linkProblems.every((p) => p === undefined);
  const needsWebhook = preview?.reenter.some((r) => r.kind === 'alert-webhook-url') ?? false;

  const run = async <T,>(label: string, work: () => Promise<T>): Promise<T | undefined> => {
    setBusy(label);
    setError(undefined);
    try {
      return await work();
    } catch (e) {
      setError(toErrorView(e));
      return undefined;
    } finally {
      setBusy(undefined);
    }
  };

  const pickFile = async (event: ChangeEvent<HTMLInputElement>) => {
    const file = event.target.files?.[0];
    event.target.value = '';
    if (!file) return;
    setPreview(undefined);
    setChoices({});
    setAcceptance(undefined);
    setTarget(undefined);
    if (file.size > MAX_BYTES) {
      setError({ code: 'TOO_LARGE', message: `${file.name} is larger than 100 MB.`, hint: 'A hand-over file holds one flow and a few runs. Check that you picked the right file.' });
      return;
    }
    const next = bundleSourceFromBytes(new Uint8Array(await file.arrayBuffer()));
    setFileName(file.name);
    setSource(next);
    const opened = await run('open', () => getApi().handover.open(next));
    if (opened) {
      setPreview(opened);
      if (opened.existing) setTarget(opened.existing.active ? { kind: 'new-id', id: `${opened.existing.id}-2` } : undefined);
    }
  };

  const checkRuns = async () => {
    if (!source || !preview) return;
    setStep(2);
    setAcceptance(undefined);
    setAcceptDifferences(false);
    // Only the ids matter to the replay: no value a person typed is sent for it.
    const ids = Object.fromEntries(Object.entries(toMappings(requirements, choices)).map(([k, m]) => [k, 'use' in m ? m : { create: { ...m.create, values: {} } }]));
    const answer = await run('acceptance', () => getApi().handover.acceptance({ ...source, credentials: ids }));
    if (answer) setAcceptance(answer);
  };

  const doImport = async () => {
    if (!source || !preview) return;
    const request = importRequest(source, { requirements, choices, owner, ...(needsWebhook ? { alertWebhookUrl } : {}), ...(target ? { target } : {}), acceptDifferences });
    const done = await run('import', () => getApi().handover.import(request));
    if (done) {
      setResult(done);
      void useFlows.getState().load();
      void loadCredentials();
      setStep(4);
    }
  };

  const ownerProblems = ownershipProblems(owner);
  const webhookProblem = needsWebhook && !/^https?:\/\/\S+$/.test(alertWebhookUrl.trim()) ? 'Paste the alert webhook’s address, starting with https://.' : undefined;
  const canImport = Object.keys(ownerProblems).length === 0 && !webhookProblem;
  const targetProblem = preview?.existing && !target ? 'Choose what to do with the flow that is here already.' : target?.kind === 'new-id' && !/^[A-Za-z][A-Za-z0-9_-]{0,63}$/.test(target.id) ? 'Use letters, digits, “_” or “-”, starting with a letter.' : undefined;

  return (
    <div className="wizard" data-testid="import-wizard" data-step={step}>
      <ol className="wizard-steps" aria-label="Steps">
        {WIZARD_STEPS.map((title, i) => (
          <li key={title} className={`wizard-step${i === step ? ' is-current' : i < step ? ' is-done' : ''}`} aria-current={i === step ? 'step' : undefined}>
            <span className="wizard-step-number" aria-hidden="true">
              {i < step ? '✓' : i + 1}
            </span>
            {title}
            {i < step ? <span className="visually-hidden"> (done)</span> : null}
          </li>
        ))}
      </ol>

      {step === 0 ? (
        <OpenStep fileName={fileName} preview={preview} target={target} setTarget={setTarget} targetProblem={targetProblem} busy={busy === 'open'} onPick={(e) => void pickFile(e)} />
      ) : step === 1 && preview ? (
        <LinkStep requirements={requirements} choices={choices} setChoices={setChoices} problems={linkProblems} takenIds={takenIds} />
      ) : step === 2 && preview ? (
        <AcceptanceStep acceptance={acceptance} busy={busy === 'acceptance'} acceptDifferences={acceptDifferences} setAcceptDifferences={setAcceptDifferences} onRetry={() => void checkRuns()} />
      ) : step === 3 && preview ? (
        <OwnershipStep preview={preview} owner={owner} setOwner={setOwner} problems={ownerProblems} needsWebhook={needsWebhook} webhook={alertWebhookUrl} setWebhook={setAlertWebhookUrl} webhookProblem={webhookProblem} />
      ) : step === 4 && result ? (
        <SwitchOnStep result={result} reenter={preview?.reenter ?? []} onClose={onClose} />
      ) : null}

      {error ? <ErrorBox error={error} /> : null}

      {step < 4 ? (
        <div className="wizard-nav">
          <button type="button" className="button" onClick={() => (step === 0 ? onClose() : (setError(undefined), setStep((step - 1) as WizardStep)))} disabled={busy !== undefined}>
            {step === 0 ? 'Cancel' : 'Back'}
          </button>
          {step === 0 ? (
            <button type="button" className="button button-primary" disabled={!preview || targetProblem !== undefined || busy !== undefined} onClick={() => (setError(undefined), setStep(1))}>
              Next: link credentials
            </button>
          ) : step === 1 ? (
            <button type="button" className="button button-primary" disabled={!linked || busy !== undefined} onClick={() => void checkRuns()} title={linked ? undefined : 'Choose for each credential first'}>
              Next: check the reference runs
            </button>
          ) : step === 2 ? (
            <button type="button" className="button button-primary" disabled={!acceptance || (!acceptance.passed && !acceptDifferences) || busy !== undefined} onClick={() => (setError(undefined), setStep(3))}>
              Next: take ownership
            </button>
          ) : (
            <button type="button" className="button button-primary" disabled={!canImport || busy !== undefined} onClick={() => void doImport()} data-testid="wizard-import">
              {busy === 'import' ? 'Importing…' : 'Import the flow'}
            </button>
          )}
        </div>
      ) : null}
    </div>
  );
}

function OpenStep({ fileName, preview, target, setTarget, targetProblem, busy, onPick }: { fileName: string | undefined; preview: HandoverPreview | undefined; target: Target | undefined; setTarget(t: Target): void; targetProblem: string | undefined; busy: boolean; onPick(e: ChangeEvent<HTMLInputElement>): void }) {
  const fileId = useId();
  const newIdId = useId();
  return (
    <section className="wizard-panel" aria-label="Open the file">
      <p>Choose the hand-over file you were given (it ends in .fkbundle or .fkbundle.gz). Nothing is imported yet: first you see what is in it.</p>
      <div className="file-pick">
        <input id={fileId} type="file" accept=".fkbundle,.gz,application/json,application/gzip" className="visually-hidden" onChange={onPick} data-testid="bundle-file" />
        <label htmlFor={fileId} className="button">
          Choose the file…
        </label>
        <span className="muted">{busy ? 'Reading it…' : (fileName ?? 'No file chosen')}</span>
      </div>
      {preview ? (
        <div className="card" data-testid="bundle-preview">
          <h3 className="card-title">“{preview.flow.name}”</h3>
          {preview.flow.description ? <p>{preview.flow.description}</p> : null}
          <dl className="wizard-facts">
            <dt>Made</dt>
            <dd>
              {formatTimestamp(preview.createdAt)} with {preview.generator}, from version {preview.flow.version}
            </dd>
            <dt>Steps</dt>
            <dd>{preview.flow.steps}</dd>
            <dt>Owner so far</dt>
            <dd>{preview.charter.owner.name ? `${preview.charter.owner.name}${preview.charter.owner.email ? ` · ${preview.charter.owner.email}` : ''}` : 'Nobody named'}</dd>
            <dt>Credentials it needs</dt>
            <dd>{preview.credentials.length === 0 ? 'None' : preview.credentials.map((c) => c.typeTitle).join(', ')}</dd>
            <dt>Reference runs</dt>
            <dd>{preview.references.length === 0 ? 'None' : `${preview.references.length} (replayed in step 3)`}</dd>
            {preview.privacy.maskedFields.length > 0 ? (
              <>
                <dt>Hidden personal data</dt>
                <dd>
                  {preview.privacy.maskedFields.join(', ')} ({preview.privacy.maskedValues === 1 ? '1 value' : `${preview.privacy.maskedValues} values`} replaced by stand-ins)
                </dd>
              </>
            ) : null}
          </dl>
          {preview.warnings.length > 0 ? (
            <div className="panel panel-warning">
              <p className="panel-title">Good to know</p>
              <ul>
                {preview.warnings.map((w) => (
                  <li key={w}>{w}</li>
                ))}
              </ul>
            </div>
          ) : null}
          {preview.existing ? (
            <fieldset className="requirement-options" aria-describedby={targetProblem ? `${newIdId}-problem` : undefined}>
              <legend className="field-label">
                A flow “{preview.existing.name}” with the same id ({preview.existing.id}) is here already (version {preview.existing.version}).
              </legend>
              <label className="check">
                <input type="radio" name="target" checked={target?.kind === 'replace'} disabled={preview.existing.active} onChange={() => setTarget({ kind: 'replace' })} />
                <span>
                  Make it a new version of that flow (its history stays)
                  {preview.existing.active ? <span className="muted"> — not while it is switched on: switch it off first</span> : null}
                </span>
              </label>
              <label className="check">
                <input type="radio" name="target" checked={target?.kind === 'new-id'} onChange={() => setTarget({ kind: 'new-id', id: `${preview.existing!.id}-2` })} />
                <span>Import it as a separate flow</span>
              </label>
              {target?.kind === 'new-id' ? (
                <div className="field requirement-create">
                  <label className="field-label" htmlFor={newIdId}>
                    Its id
                  </label>
                  <input id={newIdId} className="input" value={target.id} onChange={(e) => setTarget({ kind: 'new-id', id: e.target.value })} aria-invalid={targetProblem !== undefined} />
                </div>
              ) : null}
              {targetProblem ? (
                <span className="field-error" id={`${newIdId}-problem`}>
                  {targetProblem}
                </span>
              ) : null}
            </fieldset>
          ) : null}
        </div>
      ) : null}
    </section>
  );
}

function LinkStep({ requirements, choices, setChoices, problems, takenIds }: { requirements: RequirementPreview[]; choices: Choices; setChoices(update: (c: Choices) => Choices): void; problems: Array<string | undefined>; takenIds: ReadonlySet<string> }) {
  if (requirements.length === 0) {
    return (
      <section className="wizard-panel" aria-label="Link credentials">
        <p>This flow signs in nowhere: there are no credentials to link. Go on to check the reference runs.</p>
      </section>
    );
  }
  return (
    <section className="wizard-panel" aria-label="Link credentials">
      <p>
        The flow signs in to {requirements.length === 1 ? 'one service' : `${requirements.length} services`}. For each, choose one of the credentials on this computer, or create a new
        one; its values go into this computer’s keychain and are never shown again. Nothing is chosen for you.
      </p>
      {requirements.map((r, i) => (
        <Requirement key={r.id} requirement={r} choice={choices[r.id]} problem={problems[i]} takenIds={takenIds} onChoose={(c) => setChoices((all) => ({ ...all, [r.id]: c }))} />
      ))}
    </section>
  );
}

function Requirement({ requirement: r, choice, problem, takenIds, onChoose }: { requirement: RequirementPreview; choice: CredentialChoice | undefined; problem: string | undefined; takenIds: ReadonlySet<string>; onChoose(c: CredentialChoice): void }) {
  const name = useId();
  const created = choice?.kind === 'create' ? choice : undefined;
  return (
    <div className="card requirement" data-testid="requirement" data-requirement={r.id}>
      <div className="requirement-head">
        <h3 className="card-title">{r.typeTitle || 'A credential'}</h3>
        <span className="muted">the flow calls it “{r.id}”</span>
      </div>
      <p className="muted">{usedByWords(r.usedBy)}</p>
      {r.scopes && r.scopes.length > 0 ? <p className="muted">Permissions it asks for: {r.scopes.join(', ')}</p> : null}
      {r.sameIdOtherType ? <p className="muted">A credential named “{r.sameIdOtherType}” is here, but of another kind, so it cannot be used for this.</p> : null}
      <fieldset className="requirement-options">
        <legend className="visually-hidden">How “{r.id}” signs in</legend>
        {r.candidates.length === 0 ? <p className="muted">No credential of this kind on this computer yet.</p> : null}
        {r.candidates.map((c) => (
          <label key={c.id} className="check">
            <input type="radio" name={name} checked={choice?.kind === 'use' && choice.id === c.id} onChange={() => onChoose({ kind: 'use', id: c.id })} />
            <span>
              Use “{c.label}” <span className="muted">({c.id})</span>
            </span>
          </label>
        ))}
        <label className="check">
          <input type="radio" name={name} checked={created !== undefined} onChange={() => onChoose(newCredentialChoice(r, takenIds))} />
          <span>Create a new one</span>
        </label>
      </fieldset>
      {created ? <CreateForm requirement={r} choice={created} onChange={onChoose} /> : null}
      <p className={`requirement-status ${problem ? 'is-missing' : 'is-ok'}`} role="status">
        {problem ?? (choice?.kind === 'use' ? `Linked to “${choice.id}”.` : 'Ready: it is stored in the keychain when you import.')}
      </p>
    </div>
  );
}

function CreateForm({ requirement, choice, onChange }: { requirement: RequirementPreview; choice: Extract<CredentialChoice, { kind: 'create' }>; onChange(c: CredentialChoice): void }) {
  const idId = useId();
  const labelId = useId();
  const typeId = useId();
  const fields = fieldsToCreate(requirement, choice.type);
  return (
    <div className="requirement-create">
      {requirement.typeSource === 'unknown' ? (
        <div className="field">
          <label className="field-label" htmlFor={typeId}>
            What kind of credential
          </label>
          <select id={typeId} className="input" value={choice.type} onChange={(e) => onChange({ ...choice, type: e.target.value, values: {} })}>
            <option value="">Choose…</option>
            {CREDENTIAL_TYPES.map((t) => (
              <option key={t.type} value={t.type}>
                {t.title}
              </option>
            ))}
          </select>
        </div>
      ) : null}
      <div className="field">
        <label className="field-label" htmlFor={idId}>
          Name on this computer
        </label>
        <input id={idId} className="input" value={choice.id} onChange={(e) => onChange({ ...choice, id: e.target.value })} />
      </div>
      <div className="field">
        <label className="field-label" htmlFor={labelId}>
          Description (optional)
        </label>
        <input id={labelId} className="input" value={choice.label} onChange={(e) => onChange({ ...choice, label: e.target.value })} />
      </div>
      {fields.map((f) => (
        <SecretField key={f.name} field={f} value={choice.values[f.name] ?? ''} onChange={(v) => onChange({ ...choice, values: { ...choice.values, [f.name]: v } })} />
      ))}
      {requirement.connect ? <p className="field-help">After the import, open Credentials and press Connect next to it: you sign in once in the browser.</p> : null}
    </div>
  );
}

function SecretField({ field, value, onChange }: { field: { name: string; label: string; secret: boolean; optional: boolean }; value: string; onChange(v: string): void }) {
  const id = useId();
  return (
    <div className="field">
      <label className="field-label" htmlFor={id}>
        {field.label}
        {field.optional ? ' (optional)' : ''}
      </label>
      <input id={id} className="input" type={field.secret ? 'password' : 'text'} autoComplete={field.secret ? 'new-password' : 'off'} value={value} onChange={(e) => onChange(e.target.value)} />
    </div>
  );
}

function AcceptanceStep({ acceptance, busy, acceptDifferences, setAcceptDifferences, onRetry }: { acceptance: Acceptance | undefined; busy: boolean; acceptDifferences: boolean; setAcceptDifferences(v: boolean): void; onRetry(): void }) {
  return (
    <section className="wizard-panel" aria-label="Check the reference runs">
      <p>The builder’s reference runs are replayed here, offline: every answer from outside comes from the recording, nothing is sent and no password is used. The flow should give the same results.</p>
      {busy ? <p className="muted">Replaying the reference runs…</p> : null}
      {!busy && !acceptance ? (
        <button type="button" className="button" onClick={onRetry}>
          Replay them again
        </button>
      ) : null}
      {acceptance && acceptance.results.length === 0 ? <p data-testid="acceptance-none">The file holds no reference runs, so there is nothing to replay. Check the flow with a test run after importing.</p> : null}
      {acceptance && acceptance.results.length > 0 ? (
        <>
          <div className={`panel ${acceptance.passed ? 'panel-success' : 'panel-warning'}`} data-testid="acceptance-summary">
            <p className="panel-title">
              {acceptance.passed
                ? `Passed: ${acceptance.results.length === 1 ? 'the reference run gives' : `all ${acceptance.results.length} reference runs give`} the same results as recorded.`
                : acceptance.results.length === 1
                  ? 'Different: the reference run gives other results than recorded.'
                  : `Different: ${acceptance.results.filter((r) => !r.passed).length} of ${acceptance.results.length} reference runs give other results than recorded.`}
            </p>
          </div>
          <ul className="checklist">
            {acceptance.results.map((r) => (
              <li key={r.runId} className={`checklist-item ${r.passed ? 'is-ok' : 'is-missing'}`} data-testid="acceptance-run" data-passed={String(r.passed)}>
                <span className="checklist-mark" aria-hidden="true">
                  {r.passed ? '✓' : '!'}
                </span>
                <div className="checklist-text acceptance-run">
                  <span className="checklist-title">
                    Run of {formatWhen(r.createdAt)} ({runStatusLabel(r.status).toLowerCase()} when recorded): {r.passed ? 'same result' : 'different'}
                  </span>
                  {r.passed ? null : <Differences result={r} />}
                  {r.note ? <span className="checklist-message">{r.note}</span> : null}
                </div>
              </li>
            ))}
          </ul>
          {!acceptance.passed ? (
            <label className="check">
              <input type="checkbox" checked={acceptDifferences} onChange={(e) => setAcceptDifferences(e.target.checked)} />
              Import it anyway: I have read the differences and will look into them
            </label>
          ) : null}
        </>
      ) : null}
    </section>
  );
}

/** One reference run's differences in the run view's replay words (renderer/logic/replay.ts), else the engine's lines. */
function Differences({ result }: { result: Acceptance['results'][number] }) {
  if (!result.report) {
    return (
      <ul className="acceptance-lines">
        {result.lines.slice(0, 20).map((l) => (
          <li key={l}>{l}</li>
        ))}
      </ul>
    );
  }
  const view = describeReplay(result.report);
  return (
    <>
      {view.nodes.map((n) => (
        <div key={n.nodeId} className="checklist-message" data-testid="acceptance-difference">
          <strong>Step “{n.name}”</strong>
          {n.statusChange ? `: ${n.statusChange}` : ': gives something else'}
          {n.problem ? ` — ${n.problem}` : ''}
          {n.changes.length > 0 ? (
            <ul className="acceptance-lines">
              {n.changes.slice(0, 10).map((c) => (
                <li key={c.path}>
                  {c.path}: {c.recorded} → {c.replayed}
                </li>
              ))}
              {n.changes.length > 10 ? <li>…and {n.changes.length - 10} more</li> : null}
            </ul>
          ) : null}
        </div>
      ))}
    </>
  );
}

function OwnershipStep({ preview, owner, setOwner, problems, needsWebhook, webhook, setWebhook, webhookProblem }: { preview: HandoverPreview; owner: Ownership; setOwner(o: Ownership): void; problems: { name?: string; email?: string }; needsWebhook: boolean; webhook: string; setWebhook(v: string): void; webhookProblem: string | undefined }) {
  const nameId = useId();
  const emailId = useId();
  const hookId = useId();
  const [touched, setTouched] = useState({ name: false, email: false, hook: false });
  const previous = preview.charter.owner;
  const hook = preview.reenter.find((r) => r.kind === 'alert-webhook-url');
  return (
    <section className="wizard-panel" aria-label="Take ownership">
      <p>
        {previous.name ? `${previous.name}${previous.email ? ` (${previous.email})` : ''} answered for this flow so far.` : 'Nobody was named as its owner.'} Who answers for it from now on?
        The charter changes hands and the hand-over is recorded with the flow.
      </p>
      <div className="field">
        <label className="field-label" htmlFor={nameId}>
          Owner’s name
        </label>
        <input id={nameId} className="input" value={owner.name} autoComplete="name" aria-invalid={touched.name && problems.name !== undefined} onBlur={() => setTouched((t) => ({ ...t, name: true }))} onChange={(e) => setOwner({ ...owner, name: e.target.value })} />
        {touched.name && problems.name ? <span className="field-error">{problems.name}</span> : null}
      </div>
      <div className="field">
        <label className="field-label" htmlFor={emailId}>
          Owner’s e-mail
        </label>
        <input id={emailId} className="input" type="email" value={owner.email} autoComplete="email" aria-invalid={touched.email && problems.email !== undefined} onBlur={() => setTouched((t) => ({ ...t, email: true }))} onChange={(e) => setOwner({ ...owner, email: e.target.value })} />
        {touched.email && problems.email ? <span className="field-error">{problems.email}</span> : null}
      </div>
      {needsWebhook && hook?.kind === 'alert-webhook-url' ? (
        <div className="field">
          <label className="field-label" htmlFor={hookId}>
            Alert webhook address
          </label>
          <input id={hookId} className="input" value={webhook} placeholder="https://hooks.slack.com/services/…" aria-invalid={touched.hook && webhookProblem !== undefined} onBlur={() => setTouched((t) => ({ ...t, hook: true }))} onChange={(e) => setWebhook(e.target.value)} />
          <span className="field-help">{hook.message}</span>
          {touched.hook && webhookProblem ? <span className="field-error">{webhookProblem}</span> : null}
        </div>
      ) : null}
      <p className="muted">Importing saves the flow switched off. You switch it on in the last step, when its checklist is complete.</p>
    </section>
  );
}

function SwitchOnStep({ result, reenter, onClose }: { result: HandoverImportResult; reenter: HandoverPreview['reenter']; onClose(): void }) {
  const [readiness, setReadiness] = useState<Readiness>(result.readiness);
  const [switching, setSwitching] = useState(false);
  const [on, setOn] = useState(false);
  const [refused, setRefused] = useState<SwitchRefusal | undefined>();
  const name = result.flow.name || result.flowId;
  const stepSettings = result.warnings;
  // Settings the bundle left out because they held a secret: filled in on the canvas.
  const toFill = reenter.filter((r): r is Extract<HandoverPreview['reenter'][number], { kind: 'step-setting' }> => r.kind === 'step-setting');

  const switchOn = async () => {
    setSwitching(true);
    setRefused(undefined);
    try {
      await getApi().flows.activate({ id: result.flowId, version: result.version });
      setOn(true);
      void useFlows.getState().load();
      notify(`“${name}” is switched on (version ${result.version}).`, 'success');
    } catch (e) {
      setRefused(switchRefusal(e));
      const again = await getApi().charter.readiness({ flowId: result.flowId }).catch(() => undefined);
      if (again) setReadiness(again);
    } finally {
      setSwitching(false);
    }
  };

  return (
    <section className="wizard-panel" aria-label="Switch on" data-testid="wizard-done">
      <div className="panel panel-success">
        <p className="panel-title">
          Imported “{name}” as version {result.version}.
        </p>
        <p>
          {result.handedOver.to.name} owns it now
          {result.credentials.length > 0 ? `; ${result.credentials.map((c) => (c.created ? `“${c.credentialId}” created in the keychain` : `“${c.credentialId}” linked`)).join(', ')}` : ''}
          {result.references.length > 0 ? `; ${result.references.length === 1 ? '1 reference run' : `${result.references.length} reference runs`} kept for demo mode and drift checks` : ''}.
        </p>
      </div>
      {stepSettings.length > 0 ? (
        <div className="panel panel-warning">
          <p className="panel-title">Good to know</p>
          <ul>
            {stepSettings.map((w) => (
              <li key={w}>{w}</li>
            ))}
          </ul>
        </div>
      ) : null}
      {toFill.length > 0 ? (
        <div className="panel panel-warning" data-testid="wizard-reenter">
          <p className="panel-title">Fill these in on the canvas before it runs</p>
          <ul>
            {toFill.map((r) => (
              <li key={r.nodeId}>
                Step “{r.title}”: {r.message}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      <p data-testid="wizard-readiness">
        {on
          ? 'It is on.'
          : readiness.ready
            ? 'Ready for production: every item of its checklist is there. Switch it on when you want its trigger to start runs by itself.'
            : `${readiness.missing.length === 1 ? 'One item of its checklist is' : `${readiness.missing.length} items of its checklist are`} missing: open the flow to complete them, or try switching on to see what is missing.`}
      </p>
      <div className="wizard-nav">
        <button
          type="button"
          className="button"
          onClick={() => {
            onClose();
            go({ view: 'editor', flowId: result.flowId, tab: 'overview' });
          }}
        >
          Open the flow
        </button>
        {on ? (
          <button type="button" className="button button-primary" onClick={onClose}>
            Done
          </button>
        ) : (
          <button type="button" className="button button-primary" disabled={switching} onClick={() => void switchOn()} title={readiness.ready ? 'Its triggers fire by themselves from now on' : 'The checklist is not complete: switching on will say what is missing'}>
            {switching ? 'Switching on…' : 'Switch on'}
          </button>
        )}
      </div>
      <h3 className="card-title">Production checklist</h3>
      <ul className="checklist" data-testid="wizard-checklist">
        {readiness.items.map((item) => (
          <li key={item.check} className={`checklist-item ${item.ok ? 'is-ok' : 'is-missing'}`} data-check={item.check}>
            <span className="checklist-mark" aria-hidden="true">
              {item.ok ? '✓' : '!'}
            </span>
            <div className="checklist-text">
              <span className="checklist-title">
                {item.title}
                <span className="visually-hidden">{item.ok ? ' (done)' : ' (missing)'}</span>
              </span>
              <span className="checklist-message">{item.message}</span>
            </div>
          </li>
        ))}
      </ul>
      {refused ? (
        <SwitchRefusalPanel refused={refused} next="Open the flow to complete its checklist, then switch it on from its Overview." />
      ) : null}
      {on ? (
        <p className="panel panel-success" role="status" data-testid="switched-on">
          Switched on: its triggers fire by themselves while Flowkeeper runs.
        </p>
      ) : null}
    </section>
  );
}
