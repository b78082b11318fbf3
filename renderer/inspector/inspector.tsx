/**
 * The inspector: the right-hand panel of the canvas editor for one selected node. Its form is
 * generated from the node type's config JSON Schema plus the field metadata the node kit puts
 * there (titles, plain descriptions, placeholders, show-when, option labels), with purpose-built
 * editors where a form would otherwise need JSON. Validation problems appear on their field and
 * at the top. Edits reach `onChange` as one call per edit burst (one undo step each).
 *
 * API use: `catalog.preview` (expression and AI-step previews) and `credentials.set` (a new
 * credential inline), nothing else.
 */
import { useEffect, useId, useMemo, useRef, useState } from 'react';
import type { CredentialInfo, NodeTypeInfo } from '../../engine/model/contract.ts';
import type { Flow, FlowNode } from '../../engine/model/flow.ts';
import type { Problem } from '../../engine/model/validate.ts';
import { suggestionsFor } from './expression-scope.ts';
import { FieldEditor, JsonText, type FieldContext, type FieldProblem } from './field-editor.tsx';
import { NodePreview } from './node-preview.tsx';
import { describeDetail, fieldsOf, isVisible, placeProblems, type FieldSpec, type JsonSchema } from './schema-fields.ts';
import { useDraft } from './use-draft.ts';
import './inspector.css';

export interface InspectorProps {
  flow: Flow;
  /** The selected node. */
  node: FlowNode;
  /** Its catalogue entry: `configSchema` is JSON Schema with field metadata. */
  nodeType: NodeTypeInfo;
  /** Validation problems whose path is under this node. */
  problems: readonly Problem[];
  credentials: readonly CredentialInfo[];
  /** An input item of this node from the last run, if any. */
  sampleItem?: unknown;
  readOnly?: boolean;
  /**
   * The setting this step failed on in the run shown (`error.field` of its node.failed event, a
   * path like `url` or `headers[0].value`): marked on its field. Absent when the error names none.
   */
  failedField?: string;
  /**
   * The panel around the inspector already heads it with the step's type and description (the
   * editor's side panel): the inspector does not repeat them, so the person reads each once.
   */
  typeShownAbove?: boolean;
  /** One call = one undo step. */
  onChange(patch: { name?: string; notes?: string; config?: Record<string, unknown> }): void;
}

export function Inspector(props: InspectorProps) {
  // A fresh form per node: no field's local state (expression mode, half-typed number) leaks into the next node.
  return <InspectorForNode key={props.node.id} {...props} />;
}

function InspectorForNode(props: InspectorProps) {
  const { flow, node, nodeType, problems, credentials, sampleItem } = props;
  const readOnly = props.readOnly ?? false;
  const uid = useId();
  const { draft, edit, flush } = useDraft(node, props.onChange, readOnly);
  const [jsonOpen, setJsonOpen] = useState(false);

  const fields = useMemo(() => fieldsOf(nodeType.configSchema as JsonSchema), [nodeType.configSchema]);
  const placed = useMemo(() => placeProblems(problems), [problems]);
  const failure = useMemo(() => failureOnField(props.failedField), [props.failedField]);
  const formRef = useRef<HTMLDivElement>(null);
  // The failing setting is what the person came to see: bring it into view (once per failure).
  useEffect(() => {
    if (!failure) return;
    const el = formRef.current?.querySelector<HTMLElement>('[data-failed="true"]');
    if (el && typeof el.scrollIntoView === 'function') el.scrollIntoView({ block: 'nearest' });
  }, [failure]);
  const suggestions = useMemo(() => suggestionsFor({ flow, nodeId: node.id, sampleItem }), [flow, node.id, sampleItem]);
  const ctx: FieldContext = { readOnly, suggestions, sampleItem, credentials, credentialTypes: nodeType.credentials };

  const config = draft.config;
  const visible = fields.filter((f) => isVisible(f, config, fields));
  const main = visible.filter((f) => !f.advanced);
  const advanced = visible.filter((f) => f.advanced);
  const advancedHasProblem = advanced.some((f) => placed.byField.has(f.key) || failure?.key === f.key);

  const setField = (key: string, value: unknown, immediate = false) =>
    edit(
      `config.${key}`,
      (d) => {
        const next = { ...d.config };
        if (value === undefined) delete next[key];
        else next[key] = value;
        return { config: next };
      },
      immediate,
    );

  const renderField = (f: FieldSpec) => (
    <FieldEditor
      key={f.key}
      id={`${uid}-${f.key}`}
      field={f}
      value={config[f.key]}
      siblings={config}
      ctx={ctx}
      problems={failure?.key === f.key ? [failure.problem, ...(placed.byField.get(f.key) ?? [])] : placed.byField.get(f.key)}
      onValue={(v, immediate) => setField(f.key, v, immediate)}
      onCommit={flush}
    />
  );

  const summary = problemSummary(fields, placed);

  return (
    <section className="inspector" aria-label={`Settings of ${draft.name || nodeType.title}`}>
      {props.typeShownAbove && !readOnly ? null : (
        <header className="inspector-head">
          {props.typeShownAbove ? null : (
            <>
              <div className="inspector-type">{nodeType.title}</div>
              <p className="inspector-description">{nodeType.description}</p>
            </>
          )}
          {readOnly ? <p className="inspector-readonly">Read only: this is how the step was set up for the run you are looking at.</p> : null}
        </header>
      )}

      {summary.length > 0 ? (
        <div className="inspector-problems" role="alert">
          <div className="inspector-problems-title">{summary.some((s) => s.severity !== 'warning') ? 'This step needs attention before it can run' : 'Worth a look'}</div>
          <ul>
            {summary.map((s, i) => (
              <li key={i} className={s.severity === 'warning' ? 'inspector-warning' : undefined}>
                {s.where ? <strong>{s.where}: </strong> : null}
                {s.message}
              </li>
            ))}
          </ul>
        </div>
      ) : null}

      <div className="inspector-section">
        <div className="inspector-field">
          <label className="field-label" htmlFor={`${uid}-name`}>
            Name
          </label>
          <input
            id={`${uid}-name`}
            className="input"
            value={draft.name}
            placeholder={nodeType.title}
            disabled={readOnly}
            aria-invalid={placed.name.length > 0 ? 'true' : undefined}
            onChange={(e) => edit('name', () => ({ name: e.target.value }), false)}
            onBlur={flush}
          />
          <span className="field-help">What this step is called on the canvas and in run histories.</span>
          {placed.name.map((p, i) => (
            <div key={i} className="field-error">
              {p.message}
            </div>
          ))}
        </div>
      </div>

      <div className="inspector-section inspector-form" ref={formRef}>
        {fields.length === 0 ? <p className="inspector-empty">This step has nothing to set up.</p> : main.map(renderField)}
        {advanced.length > 0 ? (
          <details className="inspector-advanced" open={advancedHasProblem || undefined}>
            <summary>More settings ({advanced.length})</summary>
            <div className="inspector-advanced-body">{advanced.map(renderField)}</div>
          </details>
        ) : null}
      </div>

      {nodeType.type === 'llm.generate' ? <NodePreview type={nodeType.type} config={config} sampleItem={sampleItem} /> : null}

      <div className="inspector-section">
        <div className="inspector-field">
          <label className="field-label" htmlFor={`${uid}-notes`}>
            Notes <span className="required">(optional)</span>
          </label>
          <textarea
            id={`${uid}-notes`}
            className="input"
            rows={3}
            value={draft.notes}
            placeholder="Why this step is here, who to ask about it…"
            disabled={readOnly}
            onChange={(e) => edit('notes', () => ({ notes: e.target.value }), false)}
            onBlur={flush}
          />
        </div>
      </div>

      <details className="inspector-advanced inspector-json-escape" open={jsonOpen} onToggle={(e) => setJsonOpen((e.target as HTMLDetailsElement).open)}>
        <summary>Edit settings as JSON (for power users)</summary>
        {jsonOpen ? (
          <JsonText
            key={node.id}
            id={`${uid}-json`}
            label="Settings as JSON"
            value={config}
            readOnly={readOnly}
            onValue={(v) => {
              if (v !== null && typeof v === 'object' && !Array.isArray(v)) edit('json', () => ({ config: v as Record<string, unknown> }), false);
            }}
          />
        ) : null}
      </details>
    </section>
  );
}

/** `headers[0].value` → the field `headers` with the marker its editor shows (entry 1, Value). */
function failureOnField(path: string | undefined): { key: string; problem: FieldProblem } | undefined {
  const key = path === undefined ? undefined : /^([A-Za-z0-9_$-]+)/.exec(path)?.[1];
  if (!path || !key) return undefined;
  return { key, problem: { message: 'The step failed on this setting in the run shown (the error is above).', detail: path, severity: 'error', failed: true } };
}

/**
 * The plain name of the setting an error names, for the error box above the form: "URL",
 * "Headers, entry 1, Value". Undefined when the node type has no such field (fall back to the
 * message alone).
 */
export function failedFieldTitle(nodeType: NodeTypeInfo, path: string | undefined): string | undefined {
  const key = path === undefined ? undefined : /^([A-Za-z0-9_$-]+)/.exec(path)?.[1];
  if (!path || !key) return undefined;
  const field = fieldsOf(nodeType.configSchema as JsonSchema).find((f) => f.key === key);
  if (!field) return undefined;
  return [field.title, describeDetail(field, path)].filter(Boolean).join(', ');
}

interface SummaryLine {
  where: string;
  message: string;
  severity: 'error' | 'warning';
}

function problemSummary(fields: readonly FieldSpec[], placed: ReturnType<typeof placeProblems<Problem>>): SummaryLine[] {
  const lines: SummaryLine[] = [];
  for (const p of placed.general) lines.push({ where: '', message: p.message, severity: p.severity });
  for (const p of placed.name) lines.push({ where: 'Name', message: p.message, severity: p.severity });
  for (const [key, list] of placed.byField) {
    const field = fields.find((f) => f.key === key);
    for (const p of list) {
      const detail = field ? describeDetail(field, p.detail) : '';
      lines.push({ where: [field?.title ?? key, detail].filter(Boolean).join(', '), message: p.message, severity: p.severity });
    }
  }
  return lines;
}
