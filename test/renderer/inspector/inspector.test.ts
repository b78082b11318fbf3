// @vitest-environment jsdom
/**
 * The inspector renders a usable form for every built-in node type: labels from the field
 * metadata (never a bare key), no raw JSON box needed, and editing a field calls onChange with
 * the right config — one call per edit burst. Real catalogue entries, real previews.
 */
import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { currentCompletions, startCompletion } from '@codemirror/autocomplete';
import { EditorView } from '@codemirror/view';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fieldsOf, isVisible, type JsonSchema } from '../../../renderer/inspector/schema-fields.ts';
import { catalogue, credentials, flowWith, node, recordingApi, renderInspector, typeInfo } from './support.tsx';

afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

/** A realistic config per built-in node type, as a person would have set it up. */
const CONFIGS: Record<string, Record<string, unknown>> = {
  'trigger.manual': { fields: [{ name: 'customerEmail', label: 'Customer e-mail', type: 'text', required: true }] },
  'trigger.schedule': { cron: '0 9 * * 1-5', timezone: 'Europe/Berlin', missed: 'skip' },
  'trigger.poll': { url: 'https://shop.example.com/api/orders', intervalSeconds: 600, auth: 'bearer', credential: 'shop-token', itemsPath: 'data.orders', idField: 'number', emit: 'all' },
  'trigger.webhook': { port: 7701, path: '/hooks/orders', auth: 'bearer', credential: 'hook-token', respondWith: 'result' },
  'trigger.folder': { folder: '/home/anna/incoming', pattern: '*.csv', subfolders: true, on: 'added', content: 'none' },
  'trigger.email': { credential: 'office-imap', folder: 'INBOX/Orders', afterIntake: 'move', moveTo: 'Processed' },
  'transform.set': { fields: [{ name: 'total', value: '{{ price * quantity }}' }], keepOtherFields: true },
  'transform.jsonata': { expression: '{ "name": customer.name }', mode: 'each' },
  'transform.split-out': { field: 'lines', include: ['invoiceId'] },
  'flow.filter': { condition: 'amount > 100' },
  'flow.if': { condition: 'total >= 1000' },
  'flow.switch': { rules: [{ port: 'urgent', condition: 'priority = "high"' }], mode: 'first', fallback: true },
  'flow.merge': { mode: 'byKey', key: 'customerId', join: 'inner' },
  'flow.delay': { mode: 'for', seconds: 60 },
  'http.request': { method: 'POST', url: 'https://api.example.com/invoices', auth: 'header', credential: 'acme-token', bodyType: 'json', body: { id: '{{ id }}' } },
  'llm.generate': { task: 'classify', provider: 'openai', credential: 'openai-key', model: 'gpt-4o-mini', prompt: 'Subject: {{ subject }}', labels: ['billing', 'bug'] },
  'postgres.query': { credential: 'shop-db', sql: 'SELECT id, total FROM orders WHERE customer_id = $1', params: ['{{ customerId }}'] },
  'email.send': { credential: 'office-mail', to: '{{ customer.email }}', subject: 'Your invoice {{ number }}', text: 'Hello {{ customer.name }}' },
  'slack.post-message': { credential: 'team-slack', channel: '#sales', text: 'New order {{ number }}' },
  'file.read': { folder: '/home/anna/exports', path: 'orders.csv', format: 'csv' },
  'file.write': { folder: '/home/anna/exports', path: 'open-orders.csv', format: 'csv', mode: 'append', columns: ['id', 'email'] },
  'airtable.append-row': { credential: 'airtable-crm', baseId: 'appAbC123dEf456gH', table: 'Leads', fields: [{ name: 'Email', value: '{{ email }}' }] },
  'human.review': { title: 'Invoice {{ number }}', body: 'From {{ supplier }}', fields: [{ name: 'amount', label: 'Amount', type: 'number', required: true }], reviewIf: 'amount > 1000', assignee: 'finance', dueAfterHours: 24 },
};

function allKeys(schema: JsonSchema): string[] {
  return Object.entries(schema.properties ?? {}).flatMap(([key, prop]) => [key, ...allKeys(prop), ...allKeys(prop.items ?? {})]);
}

function labelTexts(container: HTMLElement): string[] {
  return [...container.querySelectorAll('.field-label')].map((el) => (el.textContent ?? '').replace(/\s*\(optional\)\s*$/, '').trim());
}

describe('inspector form for every built-in node type', () => {
  it('has a config for each type in the catalogue', () => {
    expect(Object.keys(CONFIGS).sort()).toEqual(catalogue.map((t) => t.type).sort());
  });

  it.each(catalogue.map((t) => [t.type] as const))('%s: labelled fields, no bare keys, no JSON box', (type) => {
    const config = CONFIGS[type]!;
    const info = typeInfo(type);
    const { container } = renderInspector({ node: node('step', type, config) });
    const labels = labelTexts(container);
    const schema = info.configSchema as JsonSchema;
    const fields = fieldsOf(schema);
    for (const f of fields.filter((f) => isVisible(f, config, fields))) expect(labels, `${type}: no label "${f.title}"`).toContain(f.title);
    for (const key of allKeys(schema)) {
      const title = (schema.properties?.[key]?.title as string | undefined) ?? '';
      if (title !== key) expect(labels, `${type}: the bare key "${key}" is shown as a label`).not.toContain(key);
    }
    // The JSON escape hatch exists but is closed; nothing needs it.
    expect(container.querySelector('.inspector-json')).toBeNull();
    expect(screen.getByText('Edit settings as JSON (for power users)')).toBeTruthy();
    expect(screen.getByLabelText('Name')).toBeTruthy();
    expect(screen.getByLabelText(/Notes/)).toBeTruthy();
  });
});

describe('every setting of every built-in node can be changed through the form', () => {
  /** Changes one drawn setting the way a person would; false when it offers no control. */
  function changeOne(box: HTMLElement, kind: string): boolean {
    const cm = box.querySelector(':scope > .inspector-expression .cm-content');
    const control = box.querySelector(
      ':scope > input, :scope > select, :scope > label > input, :scope > .field-row > input, :scope > .inspector-expression > input, :scope > .inspector-expression > textarea, :scope > .inspector-sql > textarea, :scope > .credential-picker select',
    ) as HTMLInputElement | HTMLSelectElement | null;
    // A group of settings (pagination, rate limits): change its first setting.
    const inner = box.querySelector(':scope > .inspector-group > .inspector-field') as HTMLElement | null;
    const add = box.querySelector(':scope > .inspector-list > .inspector-add') as HTMLButtonElement | null;
    if (cm) {
      const view = EditorView.findFromDOM(cm as HTMLElement)!;
      act(() => view.dispatch({ changes: { from: view.state.doc.length, insert: ' ' } }));
      fireEvent.blur(view.contentDOM);
      act(() => view.contentDOM.blur());
    } else if (control instanceof HTMLSelectElement) {
      // Another choice, or back to none when it is the only one (a credential picker with one match).
      const other = [...control.options].find((o) => o.value !== control.value && o.value !== '') ?? [...control.options].find((o) => o.value === '');
      fireEvent.change(control, { target: { value: other!.value } });
    } else if (control?.type === 'checkbox') fireEvent.click(control);
    else if (control) {
      fireEvent.change(control, { target: { value: control.type === 'number' ? '7' : 'changed' } });
      fireEvent.blur(control);
    } else if (kind === 'http-body') {
      const name = box.querySelector('input[aria-label="Field 1: Field"]') as HTMLInputElement;
      fireEvent.change(name, { target: { value: 'changed' } });
      fireEvent.blur(name);
    } else if (add) fireEvent.click(add);
    else if (kind === 'object' && inner) return changeOne(inner, '');
    else return false;
    return true;
  }

  it.each(catalogue.map((t) => [t.type] as const))('%s', async (type) => {
    const config = CONFIGS[type]!;
    const fields = fieldsOf(typeInfo(type).configSchema as JsonSchema);
    const shown = fields.filter((f) => isVisible(f, config, fields));
    for (const f of shown) {
      const { container, calls } = renderInspector({ node: node('step', type, config) });
      const box = container.querySelector(`.inspector-form [data-field="${f.key}"]`) as HTMLElement;
      expect(box, `${type}: ${f.key} is not drawn`).toBeTruthy();
      expect(changeOne(box, f.kind), `${type}: ${f.key} (${f.kind}) has no control`).toBe(true);
      // One call carrying the whole config: this setting changed, every other one kept.
      await waitFor(() => expect(calls.length, `${type}: changing ${f.key} called nothing`).toBe(1));
      const patch = calls[0]!.config!;
      expect(patch[f.key], `${type}: ${f.key} did not change`).not.toEqual(config[f.key] ?? f.default);
      for (const key of Object.keys(config)) if (key !== f.key) expect(patch[key], `${type}: ${key} was lost editing ${f.key}`).toEqual(config[key]);
      cleanup();
    }
  });
});

describe('editing', () => {
  it('HTTP: typing the address is one onChange for the burst, with the rest of the config kept', () => {
    vi.useFakeTimers();
    const config = CONFIGS['http.request']!;
    const { calls } = renderInspector({ node: node('fetch', 'http.request', config) });
    const url = screen.getByLabelText(/Address \(URL\)/) as HTMLInputElement;
    fireEvent.change(url, { target: { value: 'https://api.example.com/i' } });
    fireEvent.change(url, { target: { value: 'https://api.example.com/items' } });
    expect(calls).toEqual([]);
    act(() => void vi.advanceTimersByTime(1000));
    expect(calls).toEqual([{ config: { ...config, url: 'https://api.example.com/items' } }]);
  });

  it('HTTP: leaving the field ends the burst at once; a choice is a step of its own', () => {
    const config = CONFIGS['http.request']!;
    const { calls } = renderInspector({ node: node('fetch', 'http.request', config) });
    const url = screen.getByLabelText(/Address \(URL\)/);
    fireEvent.change(url, { target: { value: 'https://example.org' } });
    fireEvent.blur(url);
    fireEvent.change(screen.getByLabelText('Method'), { target: { value: 'PUT' } });
    expect(calls).toEqual([{ config: { ...config, url: 'https://example.org' } }, { config: { ...config, url: 'https://example.org', method: 'PUT' } }]);
  });

  it('HTTP: headers are name/value rows; the header name field shows only for key-in-a-header sign-in', () => {
    const config = { method: 'GET', url: 'https://x.test', auth: 'none' };
    const { calls, container } = renderInspector({ node: node('fetch', 'http.request', config) });
    expect(screen.queryByLabelText('Header name')).toBeNull();
    expect(screen.queryByLabelText('Body')).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: '+ Add header' }));
    expect(calls.at(-1)).toEqual({ config: { ...config, headers: [{ name: '', value: '' }] } });
    cleanup();
    renderInspector({ node: node('fetch', 'http.request', { ...config, auth: 'header', credential: 'acme-token', headers: [{ name: 'Accept', value: 'text/csv' }] }) });
    expect((screen.getByLabelText('Header name') as HTMLInputElement).placeholder).toBe('X-API-Key');
    expect((screen.getByLabelText('Header 1: Name') as HTMLInputElement).value).toBe('Accept');
    expect(screen.getByLabelText('Header 1: Value').textContent).toBe('text/csv');
    void container;
  });

  it('HTTP: a JSON body is edited as field/value rows, not JSON text', () => {
    const config = CONFIGS['http.request']!;
    const { calls } = renderInspector({ node: node('fetch', 'http.request', config) });
    expect(screen.getByLabelText('Field 1: Value').textContent).toBe('{{ id }}');
    fireEvent.change(screen.getByLabelText('Field 1: Field'), { target: { value: 'invoiceId' } });
    fireEvent.blur(screen.getByLabelText('Field 1: Field'));
    expect(calls).toEqual([{ config: { ...config, body: { invoiceId: '{{ id }}' } } }]);
  });

  it('switch: rules are cards with an output name and a condition; adding one is one step', () => {
    const config = CONFIGS['flow.switch']!;
    const { calls } = renderInspector({ node: node('route', 'flow.switch', config) });
    const rule = screen.getByRole('group', { name: 'Rules' });
    expect(within(rule).getByText('Rule 1')).toBeTruthy();
    expect((within(rule).getByLabelText('Output name') as HTMLInputElement).value).toBe('urgent');
    fireEvent.click(screen.getByRole('button', { name: '+ Add rule' }));
    expect(calls).toEqual([{ config: { ...config, rules: [{ port: 'urgent', condition: 'priority = "high"' }, { port: '', condition: '' }] } }]);
  });

  it('manual trigger: start-form fields are cards with a kind chosen in words', () => {
    const config = CONFIGS['trigger.manual']!;
    const { calls } = renderInspector({ node: node('start', 'trigger.manual', config) });
    const kind = screen.getByLabelText('Kind of answer') as HTMLSelectElement;
    expect([...kind.options].map((o) => o.text)).toEqual(['Text', 'Number', 'Yes or no', 'Date', 'List', 'Group of fields']);
    fireEvent.change(kind, { target: { value: 'number' } });
    expect(calls).toEqual([{ config: { fields: [{ name: 'customerEmail', label: 'Customer e-mail', type: 'number', required: true }] } }]);
  });

  it('AI step: classify shows labels (not answer fields); extract shows answer fields with options only for choices', () => {
    const config = CONFIGS['llm.generate']!;
    const { calls } = renderInspector({ node: node('ai', 'llm.generate', config) });
    expect(screen.getByRole('group', { name: 'Labels' })).toBeTruthy();
    expect(screen.queryByRole('group', { name: 'Answer fields' })).toBeNull();
    fireEvent.change(screen.getByLabelText('Label 2'), { target: { value: 'question' } });
    fireEvent.blur(screen.getByLabelText('Label 2'));
    expect(calls).toEqual([{ config: { ...config, labels: ['billing', 'question'] } }]);
    cleanup();
    const extract = { ...config, task: 'extract', outputFields: [{ name: 'invoiceNumber', type: 'text' }, { name: 'kind', type: 'choice', options: ['invoice'] }] };
    renderInspector({ node: node('ai', 'llm.generate', extract) });
    const fields = screen.getByRole('group', { name: 'Answer fields' });
    expect(within(fields).getAllByText('Answer field', { exact: false }).length).toBeGreaterThanOrEqual(2);
    expect(within(fields).getAllByRole('group', { name: /^Options/ })).toHaveLength(1);
  });

  it('merge: the key field shows only when pairing by key', () => {
    renderInspector({ node: node('m', 'flow.merge', { mode: 'append' }) });
    expect(screen.queryByLabelText(/^Key field/)).toBeNull();
    cleanup();
    renderInspector({ node: node('m', 'flow.merge', CONFIGS['flow.merge']!) });
    expect((screen.getByLabelText(/^Key field/) as HTMLInputElement).value).toBe('customerId');
  });

  it('name and notes are edited, each as its own step', () => {
    const { calls } = renderInspector({ node: node('fetch', 'http.request', CONFIGS['http.request']!, 'Fetch invoices') });
    const name = screen.getByLabelText('Name') as HTMLInputElement;
    expect(name.value).toBe('Fetch invoices');
    fireEvent.change(name, { target: { value: 'Fetch open invoices' } });
    fireEvent.change(screen.getByLabelText(/Notes/), { target: { value: 'Ask Ana first' } });
    fireEvent.blur(screen.getByLabelText(/Notes/));
    expect(calls).toEqual([{ name: 'Fetch open invoices' }, { notes: 'Ask Ana first' }]);
  });

  it('read only: nothing can be changed and nothing is called', () => {
    const { calls } = renderInspector({ node: node('fetch', 'http.request', CONFIGS['http.request']!), readOnly: true });
    const url = screen.getByLabelText(/Address \(URL\)/) as HTMLInputElement;
    expect(url.disabled).toBe(true);
    expect(screen.queryByRole('button', { name: /Add/ })).toBeNull();
    expect(calls).toEqual([]);
  });

  it('a burst still unsent when another node is selected goes to the node it was typed into', () => {
    const first: unknown[] = [];
    const second: unknown[] = [];
    const a = node('a', 'flow.merge', { mode: 'byKey', key: 'id' });
    const b = node('b', 'flow.merge', { mode: 'byKey', key: 'other' });
    const { rerenderWith } = renderInspector({ node: a, onChange: (p) => first.push(p) });
    fireEvent.change(screen.getByLabelText(/^Key field/), { target: { value: 'customerId' } });
    rerenderWith({ node: b, onChange: (p) => second.push(p) });
    expect(first).toEqual([{ config: { mode: 'byKey', key: 'customerId' } }]);
    expect(second).toEqual([]);
    expect((screen.getByLabelText(/^Key field/) as HTMLInputElement).value).toBe('other');
  });

  it('follows an outside change (undo) when nothing is pending', () => {
    const config = CONFIGS['flow.merge']!;
    const { rerenderWith } = renderInspector({ node: node('m', 'flow.merge', config) });
    rerenderWith({ node: node('m', 'flow.merge', { ...config, key: 'orderId' }) });
    expect((screen.getByLabelText(/^Key field/) as HTMLInputElement).value).toBe('orderId');
  });
});

describe('connector steps', () => {
  it('PostgreSQL: the statement is code without expressions; each parameter is labelled with its $n', () => {
    const config = { credential: 'shop-db', sql: 'SELECT * FROM orders WHERE customer_id = $1 AND status = $2', params: ['{{ customerId }}'] };
    const { calls, container } = renderInspector({ node: node('q', 'postgres.query', config) });
    const sql = container.querySelector('[data-field="sql"]') as HTMLElement;
    expect(sql.querySelector('textarea.mono')).toBeTruthy();
    expect(sql.querySelector('.cm-editor')).toBeNull();
    expect(within(sql).queryByRole('button', { name: 'Use an expression' })).toBeNull();
    expect(sql.textContent).toContain('Uses $1 to $2: 2 parameters.');
    const params = screen.getByRole('group', { name: 'Parameters' });
    expect(within(params).getByLabelText('Value for $1').textContent).toBe('{{ customerId }}');
    expect(params.textContent).toContain('The statement uses $2 but has no value for it yet.');
    fireEvent.click(within(params).getByRole('button', { name: '+ Add the value for $2' }));
    expect(calls).toEqual([{ config: { ...config, params: ['{{ customerId }}', ''] } }]);
    cleanup();
    // A value beyond what the statement uses is pointed out; a number stays a number.
    const extra = { ...config, sql: 'SELECT * FROM orders WHERE id = $1', params: [42, '{{ status }}'] };
    const again = renderInspector({ node: node('q', 'postgres.query', extra) });
    expect(again.container.querySelector('[data-field="params"]')!.textContent).toContain('The statement has no $2');
    fireEvent.change(screen.getByLabelText('Value for $1'), { target: { value: '43' } });
    fireEvent.blur(screen.getByLabelText('Value for $1'));
    expect(again.calls).toEqual([{ config: { ...extra, params: [43, '{{ status }}'] } }]);
  });

  it('PostgreSQL: the connection picker lists only database connections', () => {
    const list = [...credentials, { id: 'shop-db', type: 'postgres', label: 'Shop database', fields: ['host', 'database', 'user', 'password'], updatedAt: '2026-01-01T00:00:00.000Z' }];
    renderInspector({ node: node('q', 'postgres.query', { sql: 'SELECT 1' }), credentials: list });
    const picker = screen.getByLabelText(/^Database connection/) as HTMLSelectElement;
    expect([...picker.options].map((o) => o.text)).toEqual(['Choose a credential…', 'Shop database']);
  });

  it('e-mail: the recipients are read back in words, and a typo is pointed out before any run', () => {
    const config = { ...CONFIGS['email.send']!, to: 'Ann Smith <ann@example.com>, bob@' };
    const { container } = renderInspector({ node: node('mail', 'email.send', config) });
    const to = container.querySelector('[data-field="to"]') as HTMLElement;
    expect(to.textContent).toContain('Read as 1 address (ann@example.com).');
    expect(to.querySelector('.inspector-warning')?.textContent).toContain('“bob@” does not look like an e-mail address');
    cleanup();
    const fromItem = renderInspector({ node: node('mail', 'email.send', CONFIGS['email.send']!) });
    expect(fromItem.container.querySelector('[data-field="to"]')!.textContent).toContain('Read as the address {{ customer.email }} gives for each item.');
    expect(fromItem.container.querySelector('[data-field="to"] .inspector-warning')).toBeNull();
  });

  it('HTTP: pages are a group whose settings follow the way the API pages; only offered for GET', () => {
    const config = { method: 'GET', url: 'https://api.example.com/orders', pagination: { mode: 'cursor', cursorPath: 'meta.next', cursorParam: 'cursor' } };
    const { calls } = renderInspector({ node: node('fetch', 'http.request', config) });
    const pages = screen.getByRole('group', { name: /^Pages/ });
    const mode = within(pages).getByLabelText('Read several pages') as HTMLSelectElement;
    expect([...mode.options].map((o) => o.text)).toEqual(['No, one call per item', 'Link header (rel="next")', 'A field with the next address', 'A cursor field', 'Page numbers']);
    expect(within(pages).getByLabelText(/^Cursor query parameter/)).toBeTruthy();
    expect(within(pages).queryByLabelText(/^Page number query parameter/)).toBeNull();
    fireEvent.change(mode, { target: { value: 'page-number' } });
    expect(calls).toEqual([{ config: { ...config, pagination: { ...config.pagination, mode: 'page-number' } } }]);
    cleanup();
    renderInspector({ node: node('fetch', 'http.request', { ...config, method: 'POST', pagination: undefined }) });
    expect(screen.queryByRole('group', { name: /^Pages/ })).toBeNull();
    // Rate limits are a group too, under "More settings".
    const limits = screen.getByRole('group', { name: /^Rate limits/ });
    expect(limits.closest('details.inspector-advanced')).toBeTruthy();
    expect((within(limits).getByLabelText(/^Wait when the limit is used up/) as HTMLInputElement).checked).toBe(true);
  });
});

describe('problems', () => {
  it('appear on their field and at the top, in plain words', () => {
    const problems = [
      { path: 'nodes[0].config.url', message: 'Write the full address, starting with https://', severity: 'error' as const, nodeId: 'fetch' },
      { path: 'nodes[0].config.headers[0].name', message: 'A header needs a name.', severity: 'error' as const, nodeId: 'fetch' },
    ];
    const config = { ...CONFIGS['http.request']!, headers: [{ name: '', value: 'x' }] };
    const { container } = renderInspector({ node: node('fetch', 'http.request', config), problems });
    const top = screen.getByRole('alert');
    expect(top.textContent).toContain('Address (URL): Write the full address, starting with https://');
    expect(top.textContent).toContain('Headers, entry 1, Name: A header needs a name.');
    const url = screen.getByLabelText(/Address \(URL\)/);
    expect(url.getAttribute('aria-invalid')).toBe('true');
    const onField = container.querySelector('[data-field="url"] .field-error');
    expect(onField?.textContent).toBe('Write the full address, starting with https://');
    // An advanced field with a problem is not hidden away.
    expect(container.querySelector('details.inspector-advanced')?.hasAttribute('open')).toBe(true);
  });
});

describe('credentials', () => {
  it('lists names only, of the types the sign-in takes, and creates one inline into the keychain', async () => {
    const api = recordingApi();
    const config = { method: 'GET', url: 'https://x.test', auth: 'bearer' };
    const { calls } = renderInspector({ node: node('fetch', 'http.request', config) }, api);
    const picker = screen.getByLabelText(/^Credential/) as HTMLSelectElement;
    expect([...picker.options].map((o) => o.text)).toEqual(['Choose a credential…', 'Acme API token']);
    fireEvent.click(screen.getByRole('button', { name: 'New…' }));
    const form = screen.getByRole('group', { name: 'New credential' });
    fireEvent.change(within(form).getByLabelText('Name'), { target: { value: 'Billing API token' } });
    const secret = within(form).getByLabelText('Token') as HTMLInputElement;
    expect(secret.type).toBe('password');
    fireEvent.change(secret, { target: { value: 's3cret-value' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Save credential' }));
    await waitFor(() => expect(calls).toEqual([{ config: { ...config, credential: 'billing-api-token' } }]));
    expect(api.saved).toEqual([{ id: 'billing-api-token', type: 'http.bearer', label: 'Billing API token', values: { token: 's3cret-value' } }]);
    expect(document.body.textContent).not.toContain('s3cret-value');
    expect([...(screen.getByLabelText(/^Credential/) as HTMLSelectElement).options].map((o) => o.text)).toContain('Billing API token');
  });
});

describe('expressions', () => {
  it('a condition is a CodeMirror editor; editing it calls onChange, and the preview evaluates it for the sample item', async () => {
    const api = recordingApi();
    const { calls, container } = renderInspector({ node: node('big', 'flow.filter', { condition: 'amount > 100' }), sampleItem: { amount: 250 } }, api);
    const editor = container.querySelector('[data-field="condition"] .cm-editor') as HTMLElement;
    expect(editor).toBeTruthy();
    await waitFor(() => expect(container.querySelector('.expression-preview-value')?.textContent).toBe('true'));
    expect(api.previews[0]).toEqual({ type: 'transform.set', config: { fields: [{ name: 'value', value: '{{ amount > 100 }}' }], keepOtherFields: false }, item: { amount: 250 } });
    const view = EditorView.findFromDOM(editor)!;
    act(() => view.dispatch({ changes: { from: view.state.doc.length, insert: ' and amount < 200' } }));
    act(() => view.contentDOM.blur());
    fireEvent.blur(view.contentDOM);
    await waitFor(() => expect(calls).toEqual([{ config: { condition: 'amount > 100 and amount < 200' } }]));
    await waitFor(() => expect(container.querySelector('.expression-preview-value')?.textContent).toBe('false'));
  });

  it('a problem arriving while typing marks the editor invalid without rebuilding it (focus stays)', () => {
    const step = node('big', 'flow.filter', { condition: 'amount >' });
    const { container, rerenderWith } = renderInspector({ node: step });
    const before = container.querySelector('[data-field="condition"] .cm-content') as HTMLElement;
    expect(before.getAttribute('aria-invalid')).toBeNull();
    rerenderWith({ problems: [{ path: 'nodes[0].config.condition', message: 'The condition is not finished.', severity: 'error' }] });
    const after = container.querySelector('[data-field="condition"] .cm-content') as HTMLElement;
    expect(after).toBe(before);
    expect(after.getAttribute('aria-invalid')).toBe('true');
    expect(container.querySelector('[data-field="condition"] .field-error')?.textContent).toBe('The condition is not finished.');
  });

  it('a text field switches to an expression with a preview; a broken expression is said in words', async () => {
    const { container } = renderInspector({ node: node('fetch', 'http.request', { method: 'GET', url: 'https://x.test/{{ id }}' }), sampleItem: { id: 42 } });
    const field = container.querySelector('[data-field="url"]') as HTMLElement;
    expect(field.querySelector('.cm-editor')).toBeTruthy();
    await waitFor(() => expect(field.querySelector('.expression-preview-value')?.textContent).toBe('https://x.test/42'));
    cleanup();
    const again = renderInspector({ node: node('fetch', 'http.request', { method: 'GET', url: 'https://x.test/{{ id + }}' }) });
    await waitFor(() => expect(again.container.querySelector('.expression-preview-error')).toBeTruthy());
    cleanup();
    const fixed = renderInspector({ node: node('fetch', 'http.request', { method: 'GET', url: 'https://x.test' }) });
    const urlField = fixed.container.querySelector('[data-field="url"]') as HTMLElement;
    expect(urlField.querySelector('.cm-editor')).toBeNull();
    fireEvent.click(within(urlField).getByRole('button', { name: 'Use an expression' }));
    expect(urlField.querySelector('.cm-editor')).toBeTruthy();
  });

  it('Set fields: each value is a template editor with a live preview for the sample item', async () => {
    const config = CONFIGS['transform.set']!;
    const { calls, container } = renderInspector({ node: node('calc', 'transform.set', config), sampleItem: { price: 4, quantity: 3 } });
    const value = screen.getByLabelText('Field 1: Value');
    expect(value.closest('.cm-editor')).toBeTruthy();
    await waitFor(() => expect(container.querySelector('.inspector-kv-preview .expression-preview-value')?.textContent).toBe('12'));
    const view = EditorView.findFromDOM(value)!;
    act(() => view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: '{{ price }}' } }));
    fireEvent.blur(view.contentDOM);
    act(() => view.contentDOM.blur());
    await waitFor(() => expect(calls).toEqual([{ config: { ...config, fields: [{ name: 'total', value: '{{ price }}' }] } }]));
    await waitFor(() => expect(container.querySelector('.inspector-kv-preview .expression-preview-value')?.textContent).toBe('4'));
  });

  it('the AI step previews what it will send for the sample item', async () => {
    renderInspector({ node: node('ai', 'llm.generate', CONFIGS['llm.generate']!), sampleItem: { subject: 'Invoice 7 is wrong' } });
    fireEvent.click(screen.getByRole('button', { name: 'Preview what will be sent' }));
    await waitFor(() => expect(screen.getByText('Subject: Invoice 7 is wrong')).toBeTruthy());
    expect([...document.querySelectorAll('.inspector-message-role')].map((el) => el.textContent)).toEqual(['Instructions', 'Sent to the model']);
  });

  it('completes $input, $nodes.<ancestor> and the declared fields of upstream steps', async () => {
    const start = node('start', 'trigger.manual', CONFIGS['trigger.manual']!);
    const ai = node('ai', 'llm.generate', CONFIGS['llm.generate']!);
    const check = node('check', 'flow.if', { condition: '' });
    const flow = flowWith([start, ai, check], [{ source: 'start', sourcePort: 'out', target: 'ai', targetPort: 'in' }, { source: 'ai', sourcePort: 'out', target: 'check', targetPort: 'in' }] as never);
    const { container } = renderInspector({ node: check, flow });
    const view = EditorView.findFromDOM(container.querySelector('[data-field="condition"] .cm-editor') as HTMLElement)!;
    act(() => {
      view.dispatch({ changes: { from: 0, insert: '$' }, selection: { anchor: 1 } });
      startCompletion(view);
    });
    await waitFor(() => expect(currentCompletions(view.state).length).toBeGreaterThan(0));
    const labels = currentCompletions(view.state).map((c) => c.label);
    expect(labels).toEqual(expect.arrayContaining(['$input', '$input.customerEmail', '$nodes.ai', '$nodes.start', '$sum']));
    expect(labels).not.toContain('$nodes.check');
    act(() => {
      view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: 'ai.' }, selection: { anchor: 3 } });
      startCompletion(view);
    });
    await waitFor(() => expect(currentCompletions(view.state).map((c) => c.label)).toEqual(expect.arrayContaining(['ai.label', 'ai.confidence'])));
  });
});
