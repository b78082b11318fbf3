/**
 * Settings → Review reminders by e-mail: which mail server login sends reminders and escalations
 * (when a flow's alert settings name none), and each reviewer's address. The engine sends them
 * (engine/alerts/review-reminders.ts); a reviewer without an address shows on the Alerts screen
 * as a message that could not be sent.
 */
import { useEffect, useId, useState } from 'react';
import type { Settings } from '../../engine/model/contract.ts';
import { notify } from '../stores/notice-store.ts';
import { useCredentials } from '../stores/credentials-store.ts';
import { emailRowProblems, emailsFromRows, rowsFromEmails, type EmailRow } from './reviewer-emails.ts';
import './alerts.css';

interface ReminderSettingsProps {
  settings: Settings;
  saving: boolean;
  update(change: Partial<Settings>): Promise<boolean>;
}

let nextKey = 1;
const newKey = () => `row-${nextKey++}`;

export function ReminderSettings({ settings, saving, update }: ReminderSettingsProps) {
  const titleId = useId();
  const loginId = useId();
  const { credentials, loaded, load } = useCredentials();
  const [rows, setRows] = useState<EmailRow[] | undefined>();
  const [showProblems, setShowProblems] = useState(false);

  useEffect(() => {
    if (!loaded) void load();
  }, [loaded, load]);

  const shown = rows ?? rowsFromEmails(settings.reviewerEmails, newKey);
  const problems = emailRowProblems(shown);
  const logins = credentials.filter((c) => c.type === 'smtp');
  const edit = (key: string, change: Partial<EmailRow>) => setRows(shown.map((r) => (r.key === key ? { ...r, ...change } : r)));

  const save = async () => {
    if (Object.keys(problems).length > 0) {
      setShowProblems(true);
      return;
    }
    if (await update({ reviewerEmails: emailsFromRows(shown) })) {
      setRows(undefined);
      setShowProblems(false);
      notify('Saved the reviewers\' addresses.');
    }
  };

  return (
    <section className="card stack" aria-labelledby={titleId}>
      <h2 className="card-title" id={titleId}>
        Review reminders by e-mail
      </h2>
      <p className="field-help">When a review step reminds or passes an item on, the person it is for gets an e-mail and this computer shows a notice.</p>
      <div className="field">
        <label className="field-label" htmlFor={loginId}>
          Send with
        </label>
        <select
          id={loginId}
          className="input"
          value={settings.reminderCredential}
          disabled={saving}
          onChange={(e) => void update({ reminderCredential: e.target.value }).then((ok) => ok && notify('Saved.'))}
          aria-describedby={`${loginId}-help`}
        >
          <option value="">No e-mail (desktop notices only)</option>
          {logins.map((c) => (
            <option key={c.id} value={c.id}>
              {c.label || c.id}
            </option>
          ))}
          {settings.reminderCredential && !logins.some((c) => c.id === settings.reminderCredential) ? <option value={settings.reminderCredential}>{settings.reminderCredential} (not found)</option> : null}
        </select>
        <p className="field-help" id={`${loginId}-help`}>
          {logins.length === 0 ? 'Add a mail server login (SMTP) under Credentials first. ' : ''}A flow whose alert settings name a mail login uses that one instead.
        </p>
      </div>
      <div className="field">
        <span className="field-label">Reviewers' addresses</span>
        {shown.length === 0 ? <p className="field-help">Nobody yet. Add the people your review steps are assigned to (group members one by one).</p> : null}
        <ul className="reminder-rows">
          {shown.map((row, i) => (
            <li key={row.key} className="reminder-row">
              <input className="input" aria-label={`Reviewer ${i + 1}: name`} placeholder="Ana" value={row.name} maxLength={200} onChange={(e) => edit(row.key, { name: e.target.value })} />
              <input className="input" type="email" aria-label={`Reviewer ${i + 1}: e-mail address`} placeholder="ana@example.com" value={row.email} maxLength={320} onChange={(e) => edit(row.key, { email: e.target.value })} />
              <button type="button" className="button button-small button-quiet" aria-label={`Remove reviewer ${i + 1}`} onClick={() => setRows(shown.filter((r) => r.key !== row.key))}>
                Remove
              </button>
              {showProblems && problems[row.key] ? <p className="field-error reminder-problem">{problems[row.key]}</p> : null}
            </li>
          ))}
        </ul>
        <div className="field-row">
          <button type="button" className="button button-small" onClick={() => setRows([...shown, { key: newKey(), name: '', email: '' }])}>
            Add a reviewer
          </button>
          <button type="button" className="button button-small button-primary" disabled={rows === undefined || saving} onClick={() => void save()}>
            Save addresses
          </button>
        </div>
      </div>
    </section>
  );
}
