/**
 * The PostgreSQL step's two editors. The statement is code without expressions (values from the
 * item can never change it), so it is a plain monospace box that says which `$n` placeholders it
 * uses. The parameters are the values for those placeholders, one row per `$n` labelled with it,
 * each a template (`{{ customerId }}`) with a live preview for the sample item.
 */
import { highestPlaceholder } from '../../engine/model/sql-placeholders.ts';
import { ExpressionEditor } from './expression-editor.tsx';
import { ExpressionPreview } from './expression-preview.tsx';
import type { FieldEditorProps } from './field-editor.tsx';
import { ListShell, RemoveButton } from './list-shell.tsx';

/** "Uses $1 to $3." — what the statement needs, in words. */
export function placeholderSummary(sql: string): string {
  const used = highestPlaceholder(sql);
  if (used === 0) return 'Uses no $1, $2… placeholders, so it needs no parameters.';
  return used === 1 ? 'Uses $1: one parameter.' : `Uses $1 to $${used}: ${used} parameters.`;
}

export function SqlStatement(props: {
  id: string;
  value: string;
  placeholder: string | undefined;
  readOnly: boolean;
  describedBy: string | undefined;
  invalid: boolean;
  onValue(value: string): void;
  onCommit(): void;
}) {
  return (
    <div className="inspector-sql">
      <textarea
        id={props.id}
        className="input mono"
        rows={5}
        spellCheck={false}
        value={props.value}
        placeholder={props.placeholder}
        disabled={props.readOnly}
        aria-describedby={props.describedBy}
        aria-invalid={props.invalid ? 'true' : undefined}
        onChange={(e) => props.onValue(e.target.value)}
        onBlur={props.onCommit}
      />
      {props.value.trim() !== '' ? <span className="field-help">{placeholderSummary(props.value)}</span> : null}
    </div>
  );
}

function asText(value: unknown): string {
  if (value === undefined || value === null) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** A typed value that is not text (a number, true) stays that value while it reads as JSON. */
function parseLoose(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

export function SqlParameters(props: FieldEditorProps & { sql: string }) {
  const { field, onValue, onCommit, ctx, id, sql } = props;
  const rows = Array.isArray(props.value) ? (props.value as unknown[]) : [];
  const needed = highestPlaceholder(sql);
  const next = rows.length + 1;
  const set = (index: number, value: unknown) => onValue(rows.map((r, i) => (i === index ? value : r)));
  const empty = rows.length > 0 ? null : needed === 0 ? 'The statement uses no $1, $2… placeholders, so no values are needed.' : 'No values yet.';
  return (
    <ListShell readOnly={ctx.readOnly} addLabel={`Add the value for $${next}`} onAdd={() => onValue([...rows, ''], true)} empty={empty}>
      {rows.map((row, i) => (
        <div key={i} className="inspector-sql-param">
          <span className="inspector-sql-param-name mono" aria-hidden="true">
            ${i + 1}
          </span>
          {typeof row === 'string' ? (
            <ExpressionEditor
              mode="template"
              value={row}
              onChange={(v) => set(i, v)}
              onBlur={onCommit}
              suggestions={ctx.suggestions}
              ariaLabel={`Value for $${i + 1}`}
              {...(field.placeholder ? { placeholder: field.placeholder } : {})}
              readOnly={ctx.readOnly}
            />
          ) : (
            <input id={i === 0 ? id : undefined} className="input" aria-label={`Value for $${i + 1}`} value={asText(row)} disabled={ctx.readOnly} onChange={(e) => set(i, parseLoose(e.target.value))} onBlur={onCommit} />
          )}
          <RemoveButton readOnly={ctx.readOnly} label={`Remove the value for $${i + 1}`} onClick={() => onValue(rows.filter((_, j) => j !== i), true)} />
          {i >= needed && needed > 0 ? <p className="inspector-warning inspector-sql-param-note">The statement has no ${i + 1}; remove this value or use ${i + 1} in the statement.</p> : null}
          {typeof row === 'string' && row.includes('{{') ? (
            <div className="inspector-kv-preview">
              <ExpressionPreview source={row} mode="template" sampleItem={ctx.sampleItem} />
            </div>
          ) : null}
        </div>
      ))}
      {rows.length < needed ? (
        <p className="inspector-warning">
          The statement uses ${rows.length + 1}
          {needed > rows.length + 1 ? ` to $${needed}` : ''} but has no value for {needed > rows.length + 1 ? 'them' : 'it'} yet.
        </p>
      ) : null}
    </ListShell>
  );
}
