import type { KeychainStatus } from '../stores/credentials-store.ts';

/** The keychain's state on the Credentials screen: ready, or missing with the fix. */
export function KeychainStatusPanel({ status }: { status: KeychainStatus | undefined }) {
  if (!status) return null;
  const fromEnv = status.fromEnvironment.length > 0 ? (
    <p>
      From environment variables (read by runs, not shown here): {status.fromEnvironment.map((id, i) => (
        <span key={id}>
          {i > 0 ? ', ' : ''}
          <code>{id}</code>
        </span>
      ))}
      .
    </p>
  ) : null;
  if (status.keychain === 'available') {
    return (
      <div className="keychain-status keychain-ok" role="status" data-testid="keychain-status" data-keychain="available">
        <p>
          <span className="badge tone-success">
            <span className="badge-dot" aria-hidden="true" />
            Keychain ready
          </span>{' '}
          Values you save go to your system’s keychain and can never be read back.
        </p>
        {fromEnv}
      </div>
    );
  }
  return (
    <div className="panel panel-warning" role="status" data-testid="keychain-status" data-keychain="missing">
      <h2 className="panel-title">No system keychain: credentials cannot be saved here</h2>
      <p>{status.message}</p>
      {status.hint ? <p className="error-hint">{status.hint}</p> : null}
      {fromEnv}
    </div>
  );
}
