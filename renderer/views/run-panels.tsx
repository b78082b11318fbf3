/**
 * The panels above a run's steps: the "did it go out?" decision, why it failed, and the replay
 * result. Engine sentences are shown in the screen's words (button labels, curly quotes).
 */
import type { RunDetail } from '../../engine/model/contract.ts';
import { PlainError } from '../components/plain-error.tsx';
import { choiceExplanation, choiceLabel, isRiskyChoice, orderChoices } from '../logic/attention.ts';
import { withoutStack } from '../logic/format.ts';
import { plainError, stepPrefix, tidyEngineWords } from '../logic/plain-errors.ts';
import type { ReplayView } from '../logic/replay.ts';

export function FailurePanel({ run, names }: { run: RunDetail; names: Map<string, string> }) {
  const error = run.errorInfo ?? (run.error ? { message: run.error, code: 'FAILED' } : undefined);
  if (!error) return null;
  const step = run.errorInfo?.nodeId ? (names.get(run.errorInfo.nodeId) ?? run.errorInfo.nodeId) : undefined;
  return (
    <div className="panel panel-danger" role="note">
      <h2 className="panel-title">Why it failed</h2>
      <PlainError error={error} prefix={stepPrefix(step, plainError(error).sentence)} />
    </div>
  );
}

export function AttentionPanel({ run, names, busy, onChoose }: { run: RunDetail; names: Map<string, string>; busy: string | undefined; onChoose(choice: 'send-again' | 'skip-item' | 'cancel'): void }) {
  const info = run.attentionInfo;
  const choices = orderChoices(info?.choices ?? ['send-again', 'skip-item', 'cancel']).filter((c): c is 'send-again' | 'skip-item' | 'cancel' => c === 'send-again' || c === 'skip-item' || c === 'cancel');
  const reason = tidyEngineWords(info?.reason ?? run.attention ?? 'The run stopped while a step was sending something, and Flowkeeper cannot tell whether it arrived.');
  const prefix = stepPrefix(info?.nodeId ? (names.get(info.nodeId) ?? info.nodeId) : undefined, reason);
  return (
    <div className="panel panel-warning" role="region" aria-labelledby="attention-title">
      <h2 className="panel-title" id="attention-title">
        Did it go out? Flowkeeper needs your decision
      </h2>
      <p>
        {prefix}
        {reason}
      </p>
      <p className="muted">If you can, check with the receiving system first. Then choose:</p>
      <div className="choices">
        {choices.map((choice) => (
          <div className="choice" key={choice}>
            <button type="button" className={isRiskyChoice(choice) ? 'button button-danger-outline' : 'button button-primary'} onClick={() => onChoose(choice)} disabled={busy !== undefined}>
              {busy === choice ? 'Recording…' : choiceLabel(choice)}
            </button>
            <span className="choice-text">{choiceExplanation(choice)}</span>
          </div>
        ))}
      </div>
    </div>
  );
}

export function ReplayPanel({ replay, onClose }: { replay: ReplayView; onClose(): void }) {
  return (
    <div className={`panel ${replay.identical ? 'panel-success' : 'panel-warning'}`} role="status" data-testid="replay-result">
      <div className="panel-head">
        <h2 className="panel-title">{replay.identical ? 'Replay: identical' : 'Replay: different'}</h2>
        <button type="button" className="icon-button" aria-label="Close the replay result" onClick={onClose}>
          ×
        </button>
      </div>
      <p>{replay.headline}</p>
      {replay.note ? <p className="muted">{replay.note}</p> : null}
      {replay.nodes.length > 0 ? (
        <ul className="diff-list">
          {replay.nodes.map((node) => (
            <li key={node.nodeId}>
              <div className="diff-node">
                “{node.name}”{node.statusChange ? <span className="muted"> — {node.statusChange}</span> : null}
              </div>
              {node.problem ? <p className="muted">{withoutStack(node.problem)}</p> : null}
              {node.changes.length > 0 ? (
                <table className="table diff-table">
                  <thead>
                    <tr>
                      <th scope="col">Where</th>
                      <th scope="col">Recorded</th>
                      <th scope="col">Replayed</th>
                    </tr>
                  </thead>
                  <tbody>
                    {node.changes.map((c, i) => (
                      <tr key={`${c.path}-${i}`}>
                        <td>
                          <code>{c.path}</code>
                        </td>
                        <td>
                          <code>{c.recorded}</code>
                        </td>
                        <td>
                          <code>{c.replayed}</code>
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              ) : null}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

