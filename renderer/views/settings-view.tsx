/** Settings: who decisions are recorded as, which notifications to show, and AI steps (cache, prices). */
import { useEffect, useId, useState } from 'react';
import { ErrorBox } from '../components/error-box.tsx';
import { AiSettings } from './ai-settings.tsx';
import { ReminderSettings } from '../alerts/reminder-settings.tsx';
import { notify } from '../stores/notice-store.ts';
import { useSettings } from '../stores/settings-store.ts';

export function SettingsView() {
  const { settings, error, load, update, saving } = useSettings();
  const [name, setName] = useState<string | undefined>();
  const nameId = useId();

  useEffect(() => {
    void load();
  }, [load]);

  const shownName = name ?? settings?.reviewerName ?? '';
  const nameChanged = settings !== undefined && name !== undefined && name.trim() !== settings.reviewerName;

  const saveName = async () => {
    if (await update({ reviewerName: shownName.trim() })) {
      setName(undefined);
      notify('Saved your name.');
    }
  };

  const toggle = async (key: 'inbox' | 'failedRuns', value: boolean) => {
    if (!settings) return;
    if (await update({ notifications: { ...settings.notifications, [key]: value } })) notify('Saved.');
  };

  return (
    <section className="view view-narrow" aria-labelledby="settings-title">
      <header className="view-header">
        <div>
          <h1 id="settings-title">Settings</h1>
        </div>
      </header>

      {error ? <ErrorBox error={error} onRetry={() => void load()} /> : null}
      {!settings && !error ? <p className="muted loading">Loading settings…</p> : null}

      {settings ? (
        <>
          <form
            className="card stack"
            onSubmit={(e) => {
              e.preventDefault();
              void saveName();
            }}
          >
            <h2 className="card-title">You</h2>
            <div className="field">
              <label className="field-label" htmlFor={nameId}>
                Your name
              </label>
              <div className="field-row">
                <input id={nameId} className="input" value={shownName} maxLength={200} autoComplete="name" onChange={(e) => setName(e.target.value)} aria-describedby={`${nameId}-help`} />
                <button type="submit" className="button button-primary" disabled={!nameChanged || saving}>
                  Save
                </button>
              </div>
              <p className="field-help" id={`${nameId}-help`}>
                Decisions you make — approvals in the inbox, answers to “did it go out?” — are recorded in the run’s trace under this name.
              </p>
            </div>
          </form>

          <fieldset className="card stack fieldset-card">
            <legend className="card-title">Notifications</legend>
            <label className="check">
              <input type="checkbox" checked={settings.notifications.inbox} disabled={saving} onChange={(e) => void toggle('inbox', e.target.checked)} />
              <span>
                Something new is waiting in the inbox
                <span className="field-help block">Tells you when a review step needs a person.</span>
              </span>
            </label>
            <label className="check">
              <input type="checkbox" checked={settings.notifications.failedRuns} disabled={saving} onChange={(e) => void toggle('failedRuns', e.target.checked)} />
              <span>
                A run failed or needs a decision
                <span className="field-help block">So a broken automation does not go unnoticed.</span>
              </span>
            </label>
          </fieldset>

          <ReminderSettings settings={settings} saving={saving} update={update} />
          <AiSettings settings={settings} saving={saving} update={update} />
        </>
      ) : null}
    </section>
  );
}
