/** The editable fields of a review item, one input per type, with the error beside the field. */
import { useId } from 'react';
import type { ReviewField } from '../../engine/model/review.ts';

interface ReviewFieldsProps {
  fields: readonly ReviewField[];
  drafts: Record<string, string | boolean>;
  errors: Record<string, string>;
  changed: ReadonlySet<string>;
  onChange(name: string, value: string | boolean): void;
  disabled?: boolean;
}

export function ReviewFields({ fields, drafts, errors, changed, onChange, disabled }: ReviewFieldsProps) {
  const base = useId();
  if (fields.length === 0) return null;
  return (
    <fieldset className="review-fields" disabled={disabled}>
      <legend className="section-title">Fields you can correct</legend>
      {fields.map((field, index) => {
        const id = `${base}-${index}`;
        const error = errors[field.name];
        const draft = drafts[field.name];
        const described = error ? `${id}-error` : undefined;
        const label = (
          <>
            {field.label}
            {field.required ? <span className="required"> (required)</span> : null}
            {changed.has(field.name) ? <span className="review-changed"> · changed</span> : null}
          </>
        );
        if (field.type === 'boolean') {
          return (
            <div className="field" key={field.name}>
              <label className="checkbox-label" htmlFor={id}>
                <input id={id} type="checkbox" checked={draft === true} onChange={(e) => onChange(field.name, e.target.checked)} data-field={field.name} />
                {label}
              </label>
            </div>
          );
        }
        return (
          <div className="field" key={field.name}>
            <label className="field-label" htmlFor={id}>
              {label}
            </label>
            {field.type === 'choice' ? (
              <select id={id} className="input" value={String(draft ?? '')} onChange={(e) => onChange(field.name, e.target.value)} aria-invalid={error ? true : undefined} aria-describedby={described} data-field={field.name}>
                {field.required ? null : <option value="">(none)</option>}
                {(field.options ?? []).map((option) => (
                  <option key={option} value={option}>
                    {option}
                  </option>
                ))}
              </select>
            ) : (
              <input
                id={id}
                className="input"
                type="text"
                placeholder={field.type === 'date' ? 'e.g. 2026-03-31' : undefined}
                inputMode={field.type === 'number' ? 'decimal' : undefined}
                value={String(draft ?? '')}
                onChange={(e) => onChange(field.name, e.target.value)}
                aria-invalid={error ? true : undefined}
                aria-describedby={described}
                data-field={field.name}
              />
            )}
            {field.type === 'number' && (field.min !== undefined || field.max !== undefined) ? (
              <span className="field-help">{field.min !== undefined && field.max !== undefined ? `From ${field.min} to ${field.max}.` : field.min !== undefined ? `At least ${field.min}.` : `At most ${field.max}.`}</span>
            ) : null}
            {error ? (
              <span className="field-error" id={described}>
                {error}
              </span>
            ) : null}
          </div>
        );
      })}
    </fieldset>
  );
}
