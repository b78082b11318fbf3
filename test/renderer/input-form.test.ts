import { describe, expect, it } from 'vitest';
import { buildInput, initialFormValues, manualInputFields, parseJsonInput } from '../../renderer/logic/input-form.ts';

const flow = {
  nodes: [
    {
      id: 'start',
      type: 'trigger.manual',
      config: {
        fields: [
          { name: 'apiBase', label: 'Accounting API address', type: 'text', default: 'http://127.0.0.1:4010' },
          { name: 'limit', label: 'Limit', type: 'number', default: 500 },
          { name: 'dryRun', type: 'boolean', default: true },
          { name: 'due', label: 'Due by', type: 'date', required: true },
          { name: 'tags', type: 'list' },
          { name: 'customer', type: 'object', default: { name: 'Ana' } },
          { name: 'odd', type: 'colour' },
          { label: 'no name' },
        ],
      },
    },
    { id: 'next', type: 'transform.set', config: {} },
  ],
};

describe('run input form', () => {
  it('reads the start form from the manual trigger', () => {
    const fields = manualInputFields(flow)!;
    expect(fields.map((f) => [f.name, f.label, f.type, f.required])).toEqual([
      ['apiBase', 'Accounting API address', 'text', false],
      ['limit', 'Limit', 'number', false],
      ['dryRun', 'dryRun', 'boolean', false],
      ['due', 'Due by', 'date', true],
      ['tags', 'tags', 'list', false],
      ['customer', 'customer', 'object', false],
      ['odd', 'odd', 'text', false],
    ]);
    expect(manualInputFields({ nodes: [{ type: 'trigger.manual', config: { fields: [] } }] })).toBeUndefined();
    expect(manualInputFields({ nodes: [{ type: 'transform.set' }] })).toBeUndefined();
    expect(manualInputFields('nonsense')).toBeUndefined();
  });

  it('fills the form with the defaults', () => {
    const values = initialFormValues(manualInputFields(flow)!);
    expect(values).toEqual({ apiBase: 'http://127.0.0.1:4010', limit: '500', dryRun: true, due: '', tags: '', customer: '{\n  "name": "Ana"\n}', odd: '' });
  });

  it('turns the filled form into typed input, leaving blanks to the defaults', () => {
    const fields = manualInputFields(flow)!;
    const values = { ...initialFormValues(fields), limit: ' 1 200 ', due: '2026-03-31', tags: '["a","b"]', apiBase: '' };
    expect(buildInput(fields, values)).toEqual({ ok: true, input: { limit: 1200, dryRun: true, due: '2026-03-31', tags: ['a', 'b'], customer: { name: 'Ana' } } });
  });

  it('says per field what is wrong', () => {
    const fields = manualInputFields(flow)!;
    const result = buildInput(fields, { ...initialFormValues(fields), limit: 'lots', tags: '{"a":1}', customer: '[1', due: '' });
    expect(result).toEqual({
      ok: false,
      errors: {
        limit: '“Limit” must be a number, like 500 or 12.5.',
        due: 'Fill in “Due by”.',
        tags: '“tags” must be a list, like ["a", "b"].',
        customer: expect.stringMatching(/^This is not valid JSON/),
      },
    });
    expect(buildInput(fields, { ...initialFormValues(fields), due: 'someday' })).toMatchObject({ ok: false, errors: { due: '“Due by” must be a date, like 2026-03-31.' } });
  });

  it('reads JSON input for flows without a form', () => {
    expect(parseJsonInput('  ')).toEqual({ ok: true, input: {} });
    expect(parseJsonInput('[{"a":1},{"a":2}]')).toEqual({ ok: true, input: [{ a: 1 }, { a: 2 }] });
    expect(parseJsonInput('{a:1}')).toMatchObject({ ok: false, message: expect.stringMatching(/not valid JSON.*Use \{\} for no input/) });
  });
});
