// @vitest-environment jsdom
/**
 * The editor's side panel around the inspector: headed by the step's type, its name shown once (in
 * the Name field). After a failed run, the setting the step failed on (error.field of its node.failed event) is
 * marked in the inspector and named in plain words in the side panel's error box; an error that
 * names no field leaves every field unmarked.
 */
import { cleanup, render, screen } from '@testing-library/react';
import { createElement } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { SidePanel, type SidePanelProps } from '../../../renderer/editor/side-panel.tsx';
import { InspectorApiContext } from '../../../renderer/inspector/inspector-api.ts';
import { credentials, flowWith, node, recordingApi, renderInspector, typeInfo } from './support.tsx';

afterEach(cleanup);

const http = node('fetch', 'http.request', { method: 'GET', url: 'not an address', headers: [{ name: 'X-Id', value: '{{ id }}' }, { name: 'X-Total', value: '{{ amount * }}' }] }, 'Fetch order');

function failedMarks(container: HTMLElement): string[] {
  return [...container.querySelectorAll('[data-failed="true"]')].map((el) => el.getAttribute('data-field') ?? '');
}

describe('the side panel of a selected step', () => {
  it('heads it with the type and shows the name once, in the Name field', () => {
    const api = recordingApi();
    const props: SidePanelProps = { flow: flowWith([http]), node: http, nodeType: typeInfo('http.request'), problems: [], credentials, readOnly: false, run: undefined, onChange: () => undefined, onClose: () => undefined };
    const { container } = render(createElement(InspectorApiContext.Provider, { value: api }, createElement(SidePanel, props)));
    expect(screen.getByRole('heading', { level: 2 }).textContent).toBe('HTTP request');
    expect(screen.getByLabelText('Name')).toHaveProperty('value', 'Fetch order');
    // Nowhere else as text: not a heading, not a second title.
    expect(container.textContent).not.toContain('Fetch order');
    // The type's description once, under the heading.
    const description = typeInfo('http.request').description;
    expect(container.textContent!.split(description).length - 1).toBe(1);
  });
});

describe('the failing setting after a failed run', () => {
  it('marks the field the error names, and only that one', () => {
    const { container } = renderInspector({ node: http, failedField: 'url' });
    expect(failedMarks(container)).toEqual(['url']);
    expect(container.querySelector('[data-field="url"] .field-failed')?.textContent).toMatch(/failed on this setting/);
    expect(container.querySelector('[data-field="url"] [aria-invalid="true"]')).not.toBeNull();
  });

  it('marks a list field and says which entry', () => {
    const { container } = renderInspector({ node: http, failedField: 'headers[1].value' });
    expect(failedMarks(container)).toEqual(['headers']);
    expect(container.querySelector('[data-field="headers"] .field-failed')?.textContent).toMatch(/^entry 2, Value: The step failed on this setting/);
  });

  it('marks nothing when the error names no field, or one the form does not have', () => {
    expect(failedMarks(renderInspector({ node: http }).container)).toEqual([]);
    cleanup();
    expect(failedMarks(renderInspector({ node: http, failedField: 'noSuchSetting' }).container)).toEqual([]);
  });

  it('keeps the failure out of the list of problems to fix before running', () => {
    const { container } = renderInspector({ node: http, failedField: 'url' });
    expect(container.querySelector('.inspector-problems')).toBeNull();
  });

  it('names the setting in the side panel error box, and falls back to the message alone', () => {
    const base: SidePanelProps = {
      flow: flowWith([http]),
      node: http,
      nodeType: typeInfo('http.request'),
      problems: [],
      credentials,
      readOnly: true,
      onChange: () => undefined,
      onClose: () => undefined,
      run: {
        status: 'failed',
        inputs: [{}],
        node: { status: 'failed', attempts: 1, error: { message: 'The expression "amount *" could not be evaluated.', code: 'EXPRESSION', retryable: false, field: 'headers[1].value' } } as never,
      },
    };
    const api = recordingApi();
    const panel = (props: SidePanelProps) => createElement(InspectorApiContext.Provider, { value: api }, createElement(SidePanel, props));
    const { container, rerender } = render(panel(base));
    expect(screen.getByRole('alert').textContent).toMatch(/This step failed: The expression "amount \*" could not be evaluated\./);
    expect(screen.getByTestId('failed-setting').textContent).toBe('The setting it failed on: Headers, entry 2, Value (marked below).');
    expect(failedMarks(container)).toEqual(['headers']);

    rerender(panel({ ...base, run: { ...base.run!, node: { status: 'failed', attempts: 1, error: { message: 'The server answered 500.', code: 'HTTP_STATUS', retryable: false } } as never } }));
    expect(screen.getByRole('alert').textContent).toMatch(/The server answered 500\./);
    expect(screen.queryByTestId('failed-setting')).toBeNull();
    expect(failedMarks(container)).toEqual([]);
  });
});
