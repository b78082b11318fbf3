/**
 * Settings → AI steps: the development-cache switch, and the prices that turn AI tokens into
 * money (your own rows over the built-in, dated table).
 */
import { useEffect, useId, useRef, useState } from 'react';
import type { Settings } from '../../engine/model/contract.ts';
import { BUILT_IN_PRICES, BUILT_IN_PRICES_AS_OF, checkPriceRows, formatPrice, monthName, problemAt, rowsChanged, rowsFromPrices, type PriceField, type PriceRow } from '../logic/price-table.ts';
import { notify } from '../stores/notice-store.ts';

interface AiSettingsProps {
  settings: Settings;
  saving: boolean;
  update(change: Partial<Settings>): Promise<boolean>;
}

let nextRowKey = 1;

export function AiSettings({ settings, saving, update }: AiSettingsProps) {
  const titleId = useId();
  const cacheHelpId = useId();

  const toggleCache = async (on: boolean) => {
    if (await update({ llmDevCache: on })) notify(on ? 'The development cache is on for runs you start from now.' : 'The development cache is off.');
  };

  return (
    <section className="card stack" aria-labelledby={titleId}>
      <h2 className="card-title" id={titleId}>
        AI steps
      </h2>
      <label className="check">
        <input type="checkbox" checked={settings.llmDevCache} disabled={saving} onChange={(e) => void toggleCache(e.target.checked)} aria-describedby={cacheHelpId} />
        <span>
          Re-use AI answers while building flows (development cache)
          <span className="field-help block" id={cacheHelpId}>
            While this is on, runs you start re-use earlier AI answers to identical prompts instead of paying again; switch it off before running flows for real (replays never use
            it).
          </span>
        </span>
      </label>
      <PriceTable settings={settings} saving={saving} update={update} />
    </section>
  );
}

function PriceTable({ settings, saving, update }: AiSettingsProps) {
  const [edited, setEdited] = useState<PriceRow[] | undefined>();
  const [showProblems, setShowProblems] = useState(false);
  const [focusKey, setFocusKey] = useState<string | undefined>();
  const tableRef = useRef<HTMLTableElement>(null);
  const titleId = useId();
  const helpId = useId();
  const saved = settings.llmPrices;
  const rows = edited ?? rowsFromPrices(saved);
  const changed = edited !== undefined && rowsChanged(edited, saved);
  const check = checkPriceRows(rows);
  const problems = showProblems && !check.ok ? check.problems : [];
  const asOf = monthName(BUILT_IN_PRICES_AS_OF);

  useEffect(() => {
    if (focusKey === undefined) return;
    tableRef.current?.querySelector<HTMLInputElement>(`tr[data-row-key="${focusKey}"] input`)?.focus();
    setFocusKey(undefined);
  }, [focusKey]);

  const change = (index: number, field: PriceField, value: string) => setEdited(rows.map((row, i) => (i === index ? { ...row, [field]: value } : row)));
  const add = () => {
    const key = `new:${nextRowKey++}`;
    setEdited([...rows, { key, model: '', input: '', output: '' }]);
    setFocusKey(key);
  };
  const remove = (index: number) => setEdited(rows.filter((_, i) => i !== index));
  const discard = () => {
    setEdited(undefined);
    setShowProblems(false);
  };
  const save = async () => {
    setShowProblems(true);
    if (!check.ok) {
      const first = check.problems[0]!;
      tableRef.current?.querySelector<HTMLInputElement>(`tbody tr:nth-child(${first.row + 1}) input[data-field="${first.field}"]`)?.focus();
      return;
    }
    if (await update({ llmPrices: check.prices })) {
      setEdited(undefined);
      setShowProblems(false);
      notify('Saved the prices.');
    }
  };

  return (
    <form
      className="stack price-form"
      aria-labelledby={titleId}
      aria-describedby={helpId}
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      <div>
        <h3 className="field-label" id={titleId}>
          Prices
        </h3>
        <p className="field-help" id={helpId}>
          US dollars per million tokens: input is what a step sends, output what the model writes back. Models not listed here use the built-in prices from {asOf}, which may be
          out of date.
        </p>
      </div>

      {rows.length > 0 ? (
        <table className="table price-table" ref={tableRef}>
          <PriceHead removable />
          <tbody>
            {rows.map((row, index) => {
              const name = row.model.trim() || `row ${index + 1}`;
              return (
                <tr key={row.key} data-row-key={row.key}>
                  <td>
                    <PriceInput row={row} index={index} field="model" label={`Model name, row ${index + 1}`} problem={problemAt(problems, index, 'model')} onChange={change} placeholder="e.g. llama3.1:8b" />
                  </td>
                  <td className="num">
                    <PriceInput row={row} index={index} field="input" label={`Input price of ${name}`} problem={problemAt(problems, index, 'input')} onChange={change} placeholder="0.00" />
                  </td>
                  <td className="num">
                    <PriceInput row={row} index={index} field="output" label={`Output price of ${name}`} problem={problemAt(problems, index, 'output')} onChange={change} placeholder="0.00" />
                  </td>
                  <td className="row-actions">
                    <button type="button" className="icon-button" aria-label={`Remove ${name}`} title="Remove this price" onClick={() => remove(index)}>
                      ×
                    </button>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      ) : (
        <p className="muted">No prices of your own yet: every model uses its built-in price, if it has one.</p>
      )}

      <div className="price-actions">
        <button type="button" className="button" onClick={add}>
          Add a model
        </button>
        <div className="price-actions-end">
          {edited !== undefined ? (
            <button type="button" className="button button-quiet" onClick={discard} disabled={saving}>
              Undo changes
            </button>
          ) : null}
          <button type="submit" className="button button-primary" disabled={!changed || saving}>
            Save prices
          </button>
        </div>
      </div>
      {problems.length > 0 ? (
        <p className="field-error" role="alert">
          {problems.length === 1 ? 'Fix the marked entry above to save the prices.' : `Fix the ${problems.length} marked entries above to save the prices.`}
        </p>
      ) : null}

      <details className="built-in-prices">
        <summary>Built-in prices ({asOf})</summary>
        <table className="table price-table built-in">
          <PriceHead />
          <tbody>
            {Object.entries(BUILT_IN_PRICES).map(([model, price]) => (
              <tr key={model}>
                <td>
                  <code>{model}</code>
                </td>
                <td className="num">{formatPrice(price.input)}</td>
                <td className="num">{formatPrice(price.output)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <p className="field-help">
          A name also covers its dated versions (gpt-4o-mini covers gpt-4o-mini-2024-07-18). Local models (Ollama, LM Studio, vLLM) have no built-in price: add them with 0 to count them as
          free.
        </p>
      </details>
    </form>
  );
}

function PriceInput({
  row,
  index,
  field,
  label,
  problem,
  placeholder,
  onChange,
}: {
  row: PriceRow;
  index: number;
  field: PriceField;
  label: string;
  problem: string | undefined;
  placeholder: string;
  onChange(index: number, field: PriceField, value: string): void;
}) {
  const errorId = useId();
  const isPrice = field !== 'model';
  return (
    <>
      <input
        className={`input ${isPrice ? 'input-price' : ''}`}
        data-field={field}
        value={row[field]}
        aria-label={label}
        aria-invalid={problem !== undefined}
        aria-describedby={problem ? errorId : undefined}
        placeholder={placeholder}
        inputMode={isPrice ? 'decimal' : undefined}
        autoComplete="off"
        spellCheck={false}
        maxLength={isPrice ? 30 : 200}
        onChange={(e) => onChange(index, field, e.target.value)}
      />
      {problem ? (
        <p className="field-error price-error" id={errorId}>
          {problem}
        </p>
      ) : null}
    </>
  );
}

/** The column headings of both price tables; the editable one has a last column for "Remove". */
function PriceHead({ removable = false }: { removable?: boolean }) {
  return (
    <thead>
      <tr>
        <th scope="col">Model</th>
        <th scope="col" className="num">
          Input, $ per million
        </th>
        <th scope="col" className="num">
          Output, $ per million
        </th>
        {removable ? (
          <th scope="col">
            <span className="visually-hidden">Remove</span>
          </th>
        ) : null}
      </tr>
    </thead>
  );
}
