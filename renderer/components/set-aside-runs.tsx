/**
 * Runs whose record (trace) was damaged and set aside: shown above the runs list, so a run never
 * disappears from the app without a word. Which run, why, and where the file is now.
 */
import { useEffect, useState } from 'react';
import type { SetAsideRun } from '../../engine/model/contract.ts';
import { getApi } from '../api.ts';
import { describeSetAside } from '../logic/set-aside.ts';

/** `reloadKey` changes when the runs list reloads, so a newly set-aside run shows up too. */
export function SetAsideRuns({ reloadKey }: { reloadKey: unknown }) {
  const [runs, setRuns] = useState<SetAsideRun[]>([]);
  useEffect(() => {
    let current = true;
    getApi()
      .runs.setAside()
      .then((list) => current && setRuns(list))
      .catch(() => undefined); // the runs list shows its own error for a broken connection
    return () => {
      current = false;
    };
  }, [reloadKey]);
  if (runs.length === 0) return null;
  return (
    <div className="error-box" role="status" aria-label="Runs set aside">
      <p className="error-message">{runs.length === 1 ? 'One run was set aside because its record is damaged.' : `${runs.length} runs were set aside because their records are damaged.`}</p>
      <ul>
        {runs.map((run) => (
          <li key={run.location}>{describeSetAside(run)}</li>
        ))}
      </ul>
    </div>
  );
}
