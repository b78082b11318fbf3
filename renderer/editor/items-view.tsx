/** A list of items as a table (one row per item, one column per top-level field) or as JSON. */
import { useState } from 'react';
import { isBlobRef } from '../../engine/model/events.ts';
import { JsonView } from '../components/json-view.tsx';

const MAX_ROWS = 50;

export function ItemsView({ items, label }: { items: unknown; label: string }) {
  const [asJson, setAsJson] = useState(false);
  if (isBlobRef(items)) return <p className="muted">{label}: too many to show here ({Math.round(items.bytes / 1024)} KB). Open the run page to see them.</p>;
  if (!Array.isArray(items)) return null;
  if (items.length === 0) return <p className="muted">{label}: no items.</p>;
  const rows = items.slice(0, MAX_ROWS) as unknown[];
  const columns = [...new Set(rows.flatMap((r) => (r && typeof r === 'object' && !Array.isArray(r) ? Object.keys(r) : [])))].slice(0, 8);
  return (
    <div className="items-view">
      <div className="items-view-head">
        <span>
          {label}: {items.length === 1 ? '1 item' : `${items.length} items`}
        </span>
        <button type="button" className="button button-quiet button-small" onClick={() => setAsJson(!asJson)}>
          {asJson ? 'Show as table' : 'Show as JSON'}
        </button>
      </div>
      {asJson || columns.length === 0 ? (
        <JsonView value={rows} label={label} />
      ) : (
        <div className="items-table-wrap">
          <table className="table items-table">
            <thead>
              <tr>
                <th scope="col">#</th>
                {columns.map((c) => (
                  <th key={c} scope="col">
                    {c}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {rows.map((row, i) => (
                <tr key={i}>
                  <td className="muted">{i + 1}</td>
                  {columns.map((c) => (
                    <td key={c}>{cell((row as Record<string, unknown>)?.[c])}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {items.length > MAX_ROWS ? <p className="muted">Showing the first {MAX_ROWS}.</p> : null}
    </div>
  );
}

function cell(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'object') {
    const text = JSON.stringify(value);
    return text.length > 80 ? `${text.slice(0, 79)}…` : text;
  }
  return String(value);
}
