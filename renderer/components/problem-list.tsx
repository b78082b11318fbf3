import { describeProblems, type ProblemLike } from '../logic/problems.ts';

/** Validation problems: where (node by name, then setting) and what, errors first. */
export function ProblemList({ problems, flow }: { problems: readonly ProblemLike[]; flow?: unknown }) {
  const views = describeProblems(problems, flow);
  return (
    <ul className="problem-list">
      {views.map((p, i) => (
        <li key={`${p.path}-${i}`} className={`problem problem-${p.severity}`}>
          <span className={`badge tone-${p.severity === 'error' ? 'danger' : 'warning'}`}>{p.severity === 'error' ? 'Problem' : 'Warning'}</span>
          <div>
            <div className="problem-where">
              {p.where}
              {p.path !== '$' ? <code className="problem-path">{p.path}</code> : null}
            </div>
            <div className="problem-message">{p.message}</div>
          </div>
        </li>
      ))}
    </ul>
  );
}
