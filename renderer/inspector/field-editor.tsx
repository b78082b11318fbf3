/**
 * One config field, drawn from its FieldSpec: text, number, choice, toggle, credential, lists of
 * name/value pairs, lists of texts, lists of objects (switch rules, start-form fields, AI answer
 * fields, examples), groups, the HTTP body, and expressions. Values go up through `onValue`;
 * `immediate` marks a change that is one step by itself (a click), typing is batched upstream.
 */
import { useState } from 'react';
import type { CredentialInfo } from '../../engine/model/contract.ts';
import { CredentialPicker } from './credential-picker.tsx';
import { ExpressionEditor } from './expression-editor.tsx';
import { ExpressionPreview } from './expression-preview.tsx';
import { EmailAddressCheck } from './email-address-check.tsx';
import { ListShell, RemoveButton } from './list-shell.tsx';
import { SqlParameters, SqlStatement } from './sql-editors.tsx';
import type { Suggestion } from './expression-scope.ts';
import { describeDetail, isVisible, newEntry, type FieldSpec } from './schema-fields.ts';

export interface FieldContext {
  readOnly: boolean;
  suggestions: readonly Suggestion[];
  sampleItem?: unknown;
  credentials: readonly CredentialInfo[];
  credentialTypes: readonly string[];
}

export interface FieldProblem {
  message: string;
  detail: string;
  severity?: 'error' | 'warning';
  /** Not a validation problem: the setting the step failed on in the run shown. */
  failed?: boolean;
}

export interface FieldEditorProps {
  field: FieldSpec;
  value: unknown;
  /** The values beside this field (same object): the body follows the body type, etc. */
  siblings: Record<string, unknown>;
  onValue(value: unknown, immediate?: boolean): void;
  /** Leaving the field ends a burst of typing. */
  onCommit(): void;
  problems?: readonly FieldProblem[];
  ctx: FieldContext;
  id: string;
}

export function FieldEditor(props: FieldEditorProps) {
  const { field, id, problems = [] } = props;
  const invalid = problems.some((p) => p.severity !== 'warning');
  const failed = problems.some((p) => p.failed);
  const fieldClass = failed ? 'inspector-field inspector-field-failed' : 'inspector-field';
  const helpId = field.description ? `${id}-help` : undefined;
  const errorId = problems.length > 0 ? `${id}-error` : undefined;
  const describedBy = [helpId, errorId].filter(Boolean).join(' ') || undefined;
  const control = <Control {...props} invalid={invalid} describedBy={describedBy} />;

  const errors =
    problems.length > 0 ? (
      <ul id={errorId} className="inspector-field-problems">
        {problems.map((p, i) => {
          const where = describeDetail(field, p.detail);
          return (
            <li key={i} className={p.severity === 'warning' ? 'inspector-warning' : p.failed ? 'field-error field-failed' : 'field-error'}>
              {where ? `${where}: ` : ''}
              {p.message}
            </li>
          );
        })}
      </ul>
    ) : null;

  if (field.kind === 'toggle') {
    return (
      <div className={fieldClass} data-field={field.key} data-failed={failed || undefined}>
        <label className="check">
          {control}
          <span>
            <span className="field-label">{field.title}</span>
            {field.description ? (
              <span id={helpId} className="field-help block">
                {field.description}
              </span>
            ) : null}
          </span>
        </label>
        {errors}
      </div>
    );
  }
  const grouped = field.kind === 'object-list' || field.kind === 'key-value' || field.kind === 'string-list' || field.kind === 'object' || field.kind === 'sql-parameters';
  return (
    <div className={fieldClass} data-field={field.key} data-failed={failed || undefined} role={grouped ? 'group' : undefined} aria-labelledby={grouped ? `${id}-label` : undefined}>
      {grouped ? (
        <span id={`${id}-label`} className="field-label">
          {field.title}
          {field.optional ? <span className="required"> (optional)</span> : null}
        </span>
      ) : (
        <label id={`${id}-label`} htmlFor={id} className="field-label">
          {field.title}
          {field.optional ? <span className="required"> (optional)</span> : null}
        </label>
      )}
      {field.description ? (
        <span id={helpId} className="field-help">
          {field.description}
        </span>
      ) : null}
      {control}
      {errors}
    </div>
  );
}

type ControlProps = FieldEditorProps & { invalid: boolean; describedBy: string | undefined };

function Control(props: ControlProps) {
  const { field, value, onValue, onCommit, ctx, id, invalid, describedBy } = props;
  const common = { id, 'aria-describedby': describedBy, 'aria-invalid': invalid ? ('true' as const) : undefined, disabled: ctx.readOnly };
  switch (field.kind) {
    case 'text':
      return <input {...common} className="input" value={asText(value)} placeholder={field.placeholder} onChange={(e) => onValue(emptyToUndefined(e.target.value, field))} onBlur={onCommit} />;
    case 'template':
    case 'multiline':
    case 'any':
      return <TextOrExpression {...props} invalid={invalid} describedBy={describedBy} multiline={field.kind === 'multiline'} />;
    case 'expression':
      return (
        <div className="inspector-expression">
          <ExpressionEditor
            mode="expression"
            value={asText(value)}
            onChange={(v) => onValue(emptyToUndefined(v, field))}
            onBlur={onCommit}
            suggestions={ctx.suggestions}
            labelledBy={`${id}-label`}
            {...(describedBy ? { describedBy } : {})}
            {...(field.placeholder ? { placeholder: field.placeholder } : {})}
            readOnly={ctx.readOnly}
            invalid={invalid}
            multiline
          />
          <ExpressionPreview source={asText(value)} mode="expression" sampleItem={ctx.sampleItem} />
        </div>
      );
    case 'number':
      return <NumberInput {...common} field={field} value={value} onValue={onValue} onCommit={onCommit} />;
    case 'number-or-expression':
      return typeof value === 'string' ? (
        <TextOrExpression {...props} invalid={invalid} describedBy={describedBy} multiline={false} forceExpression onFixed={() => onValue(undefined, true)} />
      ) : (
        <div className="field-row">
          <NumberInput {...common} field={field} value={value} onValue={onValue} onCommit={onCommit} />
          {ctx.readOnly ? null : (
            <button type="button" className="button button-small button-quiet" onClick={() => onValue('{{  }}', true)}>
              Use an expression
            </button>
          )}
        </div>
      );
    case 'select':
      return (
        <select {...common} className="input" value={value === undefined ? String(field.default ?? '') : String(value)} onChange={(e) => onValue(e.target.value === '' ? undefined : e.target.value, true)}>
          {field.default === undefined ? <option value="">{field.required ? 'Choose…' : 'Not set'}</option> : null}
          {field.options?.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </select>
      );
    case 'toggle':
      return <input {...common} type="checkbox" checked={value === undefined ? field.default === true : value === true} onChange={(e) => onValue(e.target.checked, true)} />;
    case 'credential': {
      // "bearer" offers http.bearer, "oauth2" the oauth2.* types.
      const narrowed = ctx.credentialTypes.filter((t) => typeof props.siblings.auth === 'string' && (t.endsWith(`.${props.siblings.auth}`) || t.startsWith(`${props.siblings.auth}.`)));
      return (
        <CredentialPicker
          value={typeof value === 'string' ? value : undefined}
          onChange={(v) => onValue(v, true)}
          credentials={ctx.credentials}
          types={narrowed.length > 0 ? narrowed : ctx.credentialTypes}
          inputId={id}
          {...(describedBy ? { describedBy } : {})}
          invalid={invalid}
          readOnly={ctx.readOnly}
        />
      );
    }
    case 'key-value':
      return <KeyValueList {...props} />;
    case 'string-list':
      return <StringList {...props} />;
    case 'object-list':
      return <ObjectList {...props} />;
    case 'object':
      return <ObjectGroup {...props} />;
    case 'http-body':
      return <HttpBody {...props} />;
    case 'sql':
      return <SqlStatement id={id} value={asText(value)} placeholder={field.placeholder} readOnly={ctx.readOnly} describedBy={describedBy} invalid={invalid} onValue={(v) => onValue(emptyToUndefined(v, field))} onCommit={onCommit} />;
    case 'sql-parameters':
      return <SqlParameters {...props} sql={typeof props.siblings.sql === 'string' ? props.siblings.sql : ''} />;
    case 'email-addresses':
      // The text (or expression) as the step reads it, and below it the addresses read from it.
      return (
        <>
          <TextOrExpression {...props} invalid={invalid} describedBy={describedBy} multiline={false} />
          <EmailAddressCheck value={asText(value)} />
        </>
      );
  }
}

function asText(value: unknown): string {
  if (value === undefined || value === null) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function emptyToUndefined(text: string, field: FieldSpec): string | undefined {
  return text === '' && !field.required ? undefined : text;
}

function NumberInput(props: { id: string; field: FieldSpec; value: unknown; onValue(v: unknown): void; onCommit(): void; disabled: boolean; 'aria-describedby': string | undefined; 'aria-invalid': 'true' | undefined }) {
  const { field, value, onValue, onCommit, ...rest } = props;
  // Kept as text while typing so "1." or "-" are not thrown away half-way.
  const [text, setText] = useState<string | undefined>();
  const shown = text ?? (typeof value === 'number' ? String(value) : '');
  return (
    <input
      {...rest}
      className="input inspector-number"
      type="number"
      inputMode="decimal"
      step={field.integer ? 1 : 'any'}
      min={field.min}
      max={field.max}
      value={shown}
      placeholder={field.placeholder ?? (field.default !== undefined ? String(field.default) : undefined)}
      onChange={(e) => {
        setText(e.target.value);
        const n = e.target.value.trim() === '' ? undefined : Number(e.target.value);
        if (n === undefined || Number.isFinite(n)) onValue(n);
      }}
      onBlur={() => {
        setText(undefined);
        onCommit();
      }}
    />
  );
}

/** Fixed text, or — one click away — an expression with colouring, completion and a preview. */
function TextOrExpression(props: ControlProps & { multiline: boolean; forceExpression?: boolean; onFixed?(): void }) {
  const { field, value, onValue, onCommit, ctx, id, invalid, describedBy, multiline } = props;
  const text = asText(value);
  const structured = value !== undefined && value !== null && typeof value !== 'string';
  const [expression, setExpression] = useState(() => props.forceExpression === true || text.includes('{{'));
  const useExpression = props.forceExpression === true || expression;
  const commit = (next: string) => {
    if (structured && field.kind === 'any') {
      // A number, list or object stays one while it still reads as JSON.
      try {
        return onValue(JSON.parse(next) as unknown);
      } catch {
        return onValue(next);
      }
    }
    onValue(emptyToUndefined(next, field));
  };
  const toggle = ctx.readOnly ? null : (
    <button
      type="button"
      className="button button-small button-quiet inspector-mode"
      aria-pressed={useExpression}
      onClick={() => {
        if (props.onFixed && useExpression) return props.onFixed();
        setExpression(!useExpression);
      }}
    >
      {useExpression ? 'Use fixed text' : 'Use an expression'}
    </button>
  );
  return (
    <div className="inspector-expression">
      {useExpression ? (
        <>
          <ExpressionEditor
            mode="template"
            value={text}
            onChange={commit}
            onBlur={onCommit}
            suggestions={ctx.suggestions}
            labelledBy={`${id}-label`}
            {...(describedBy ? { describedBy } : {})}
            placeholder={field.placeholder ?? 'Text with {{ expressions }}, e.g. {{ customer.name }}'}
            readOnly={ctx.readOnly}
            invalid={invalid}
            multiline={multiline}
          />
          <div className="inspector-expression-foot">
            <span className="field-help">
              Put an expression between <code>{'{{ }}'}</code>; type <code>$</code> or a field name for suggestions.
            </span>
            {toggle}
          </div>
          <ExpressionPreview source={text} mode="template" sampleItem={ctx.sampleItem} />
        </>
      ) : (
        <>
          {multiline ? (
            <textarea id={id} className="input" rows={4} value={text} placeholder={field.placeholder} disabled={ctx.readOnly} aria-describedby={describedBy} aria-invalid={invalid ? 'true' : undefined} onChange={(e) => commit(e.target.value)} onBlur={onCommit} />
          ) : (
            <input id={id} className="input" value={text} placeholder={field.placeholder} disabled={ctx.readOnly} aria-describedby={describedBy} aria-invalid={invalid ? 'true' : undefined} onChange={(e) => commit(e.target.value)} onBlur={onCommit} />
          )}
          {field.kind === 'text' ? null : <div className="inspector-expression-foot">{toggle}</div>}
        </>
      )}
    </div>
  );
}

function listOf(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** Name/value pairs: HTTP headers and query, fields to set, form bodies. */
function KeyValueList(props: FieldEditorProps & { asObject?: boolean }) {
  const { field, onValue, onCommit, ctx, id } = props;
  const rows = listOf(props.value) as Array<Record<string, unknown>>;
  const nameField = field.itemFields?.find((f) => f.key === 'name');
  const valueField = field.itemFields?.find((f) => f.key === 'value');
  const item = field.itemTitle.toLowerCase();
  const set = (index: number, patch: Record<string, unknown>, immediate = false) => onValue(rows.map((r, i) => (i === index ? { ...r, ...patch } : r)), immediate);
  return (
    <ListShell readOnly={ctx.readOnly} addLabel={`Add ${item}`} onAdd={() => onValue([...rows, { name: '', value: '' }], true)} empty={rows.length === 0 ? `No ${item}s yet.` : null}>
      {rows.length > 0 ? (
        <div className="inspector-kv-head" aria-hidden="true">
          <span>{nameField?.title ?? 'Name'}</span>
          <span>{valueField?.title ?? 'Value'}</span>
        </div>
      ) : null}
      {rows.map((row, i) => (
        <div key={i} className="inspector-kv-row">
          <input
            className="input"
            aria-label={`${field.itemTitle} ${i + 1}: ${nameField?.title ?? 'Name'}`}
            id={i === 0 ? id : undefined}
            value={asText(row.name)}
            placeholder={nameField?.placeholder}
            disabled={ctx.readOnly}
            onChange={(e) => set(i, { name: e.target.value })}
            onBlur={onCommit}
          />
          {typeof row.value === 'string' || row.value === undefined ? (
            // Values are templates: colouring and completion inside {{ }}, plain text otherwise.
            <ExpressionEditor
              mode="template"
              value={asText(row.value)}
              onChange={(v) => set(i, { value: v })}
              onBlur={onCommit}
              suggestions={ctx.suggestions}
              ariaLabel={`${field.itemTitle} ${i + 1}: ${valueField?.title ?? 'Value'}`}
              {...(valueField?.placeholder ? { placeholder: valueField.placeholder } : {})}
              readOnly={ctx.readOnly}
            />
          ) : (
            <input
              className="input"
              aria-label={`${field.itemTitle} ${i + 1}: ${valueField?.title ?? 'Value'}`}
              value={asText(row.value)}
              disabled={ctx.readOnly}
              onChange={(e) => set(i, { value: parseLoose(e.target.value) })}
              onBlur={onCommit}
            />
          )}
          <RemoveButton readOnly={ctx.readOnly} label={`Remove ${item} ${i + 1}`} onClick={() => onValue(rows.filter((_, j) => j !== i), true)} />
          {typeof row.value === 'string' && row.value.includes('{{') ? (
            <div className="inspector-kv-preview">
              <ExpressionPreview source={row.value} mode="template" sampleItem={ctx.sampleItem} />
            </div>
          ) : null}
        </div>
      ))}
    </ListShell>
  );
}

function parseLoose(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** A list of short texts: labels, choice options, field names. */
function StringList(props: FieldEditorProps) {
  const { field, onValue, onCommit, ctx, id } = props;
  const rows = listOf(props.value).map(asText);
  const item = field.itemTitle.toLowerCase();
  return (
    <ListShell readOnly={ctx.readOnly} addLabel={`Add ${item}`} onAdd={() => onValue([...rows, ''], true)} empty={rows.length === 0 ? `No ${item}s yet.` : null}>
      {rows.map((row, i) => (
        <div key={i} className="inspector-string-row">
          <input
            className="input"
            id={i === 0 ? id : undefined}
            aria-label={`${field.itemTitle} ${i + 1}`}
            value={row}
            placeholder={field.placeholder}
            disabled={ctx.readOnly}
            onChange={(e) => onValue(rows.map((r, j) => (j === i ? e.target.value : r)))}
            onBlur={onCommit}
          />
          <RemoveButton readOnly={ctx.readOnly} label={`Remove ${item} ${i + 1}`} onClick={() => onValue(rows.filter((_, j) => j !== i), true)} />
        </div>
      ))}
    </ListShell>
  );
}

function problemsOfEntry(problems: readonly FieldProblem[], index: number, key: string): FieldProblem[] {
  const prefix = new RegExp(`^[^[.]+\\[${index}\\]\\.${key}(?:$|[.[])`);
  return problems.filter((p) => prefix.test(p.detail)).map((p) => ({ ...p, detail: p.detail.replace(/^[^[.]+\[\d+\]\./, '') }));
}

/** A list of objects, one card per entry: switch rules, start-form fields, answer fields, examples. */
function ObjectList(props: FieldEditorProps) {
  const { field, onValue, onCommit, ctx, id, problems = [] } = props;
  const rows = listOf(props.value) as Array<Record<string, unknown>>;
  const fields = field.itemFields ?? [];
  const item = field.itemTitle;
  const move = (from: number, to: number) => {
    const next = [...rows];
    const [row] = next.splice(from, 1);
    next.splice(to, 0, row!);
    onValue(next, true);
  };
  return (
    <ListShell readOnly={ctx.readOnly} addLabel={`Add ${item.toLowerCase()}`} onAdd={() => onValue([...rows, newEntry(fields)], true)} empty={rows.length === 0 ? `No ${item.toLowerCase()}s yet.` : null}>
      {rows.map((row, i) => (
        <fieldset key={i} className="inspector-entry">
          <legend>
            {item} {i + 1}
          </legend>
          {ctx.readOnly ? null : (
            <div className="inspector-entry-actions">
              <button type="button" className="icon-button" aria-label={`Move ${item.toLowerCase()} ${i + 1} up`} title="Move up" disabled={i === 0} onClick={() => move(i, i - 1)}>
                ↑
              </button>
              <button type="button" className="icon-button" aria-label={`Move ${item.toLowerCase()} ${i + 1} down`} title="Move down" disabled={i === rows.length - 1} onClick={() => move(i, i + 1)}>
                ↓
              </button>
              <RemoveButton readOnly={ctx.readOnly} label={`Remove ${item.toLowerCase()} ${i + 1}`} onClick={() => onValue(rows.filter((_, j) => j !== i), true)} />
            </div>
          )}
          {fields
            .filter((f) => isVisible(f, row, fields))
            .map((f) => (
              <FieldEditor
                key={f.key}
                id={`${id}-${i}-${f.key}`}
                field={f}
                value={row[f.key]}
                siblings={row}
                ctx={ctx}
                problems={problemsOfEntry(problems, i, f.key)}
                onCommit={onCommit}
                onValue={(v, immediate) => {
                  const nextRow = { ...row };
                  if (v === undefined) delete nextRow[f.key];
                  else nextRow[f.key] = v;
                  onValue(
                    rows.map((r, j) => (j === i ? nextRow : r)),
                    immediate,
                  );
                }}
              />
            ))}
        </fieldset>
      ))}
    </ListShell>
  );
}

/** A group of settings (e.g. the Azure deployment): its fields inline. */
function ObjectGroup(props: FieldEditorProps) {
  const { field, onValue, onCommit, ctx, id, problems = [] } = props;
  const group = (props.value !== null && typeof props.value === 'object' ? props.value : {}) as Record<string, unknown>;
  const fields = field.itemFields ?? [];
  return (
    <div className="inspector-group">
      {fields
        .filter((f) => isVisible(f, group, fields))
        .map((f) => (
          <FieldEditor
            key={f.key}
            id={`${id}-${f.key}`}
            field={f}
            value={group[f.key]}
            siblings={group}
            ctx={ctx}
            problems={problems.filter((p) => p.detail.startsWith(`${field.key}.${f.key}`)).map((p) => ({ ...p, detail: p.detail.slice(field.key.length + 1) }))}
            onCommit={onCommit}
            onValue={(v, immediate) => {
              const next = { ...group };
              if (v === undefined) delete next[f.key];
              else next[f.key] = v;
              onValue(Object.keys(next).length === 0 ? undefined : next, immediate);
            }}
          />
        ))}
    </div>
  );
}

const BODY_PAIR_FIELDS: FieldSpec[] = [
  { key: 'name', title: 'Field', description: '', kind: 'text', required: true, optional: false, advanced: false, itemTitle: 'Field', placeholder: 'customerId' },
  { key: 'value', title: 'Value', description: '', kind: 'any', required: true, optional: false, advanced: false, itemTitle: 'Field', placeholder: '{{ customer.id }}' },
];

/**
 * The HTTP body, by body type: text (may hold expressions), form fields (name/value pairs) or
 * JSON fields (name/value pairs that become one object). A JSON body that is not a flat object
 * (a list, nested objects) is edited as JSON text, the one place a power user needs it.
 */
function HttpBody(props: FieldEditorProps) {
  const { value, onValue, ctx, siblings } = props;
  const bodyType = siblings.bodyType;
  const [asJson, setAsJson] = useState(false);
  if (bodyType === 'text') return <TextOrExpression {...props} field={{ ...props.field, kind: 'multiline' }} invalid={false} describedBy={undefined} multiline />;
  const pairsField: FieldSpec = { ...props.field, kind: 'key-value', itemTitle: 'Field', itemFields: BODY_PAIR_FIELDS };
  if (bodyType === 'form') {
    const pairs = Array.isArray(value) ? value : value && typeof value === 'object' ? Object.entries(value).map(([name, v]) => ({ name, value: v })) : [];
    return <KeyValueList {...props} field={pairsField} value={pairs} />;
  }
  const flat = value === undefined || (value !== null && typeof value === 'object' && !Array.isArray(value) && Object.values(value).every((v) => v === null || typeof v !== 'object'));
  if (!flat || asJson) return <JsonText value={value} onValue={(v) => onValue(v, true)} readOnly={ctx.readOnly} id={props.id} onForm={flat ? () => setAsJson(false) : undefined} />;
  const pairs = Object.entries((value ?? {}) as Record<string, unknown>).map(([name, v]) => ({ name, value: v }));
  return (
    <div>
      <KeyValueList
        {...props}
        field={pairsField}
        value={pairs}
        onValue={(rows, immediate) => onValue(Object.fromEntries((rows as Array<{ name: string; value: unknown }>).map((r) => [r.name, r.value])), immediate)}
      />
      {ctx.readOnly ? null : (
        <button type="button" className="button button-small button-quiet" onClick={() => setAsJson(true)}>
          Edit as JSON
        </button>
      )}
    </div>
  );
}

/** JSON text, applied when it parses; the parse error is said in plain words. */
export function JsonText({ value, onValue, readOnly, id, onForm, label }: { value: unknown; onValue(v: unknown): void; readOnly: boolean; id: string; onForm?: (() => void) | undefined; label?: string }) {
  const [text, setText] = useState(() => (value === undefined ? '' : JSON.stringify(value, null, 2)));
  const [error, setError] = useState<string | undefined>();
  return (
    <div className="inspector-json">
      <textarea
        id={id}
        className="input mono"
        rows={8}
        aria-label={label}
        value={text}
        disabled={readOnly}
        aria-invalid={error ? 'true' : undefined}
        onChange={(e) => {
          setText(e.target.value);
          if (e.target.value.trim() === '') {
            setError(undefined);
            return onValue(undefined);
          }
          try {
            onValue(JSON.parse(e.target.value) as unknown);
            setError(undefined);
          } catch (err) {
            setError(`This is not valid JSON yet (${err instanceof Error ? err.message : String(err)}). Nothing is changed until it is.`);
          }
        }}
      />
      {error ? <div className="field-error">{error}</div> : null}
      {onForm ? (
        <button type="button" className="button button-small button-quiet" onClick={onForm}>
          Back to the form
        </button>
      ) : null}
    </div>
  );
}
