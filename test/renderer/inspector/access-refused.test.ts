// @vitest-environment jsdom
/**
 * The bridge's refusal page: what happened and what to do. A link to one review (from a reminder
 * e-mail) carries no key, so the page tells a reviewer how to get in: their own link first.
 */
import { cleanup, render, screen } from '@testing-library/react';
import { createElement } from 'react';
import { afterEach, expect, it } from 'vitest';
import { AccessRefused } from '../../../renderer/components/access-refused.tsx';

afterEach(() => {
  cleanup();
  location.hash = '';
});

it('on a link to one review, tells a reviewer to open their own link first', () => {
  location.hash = '#/inbox/run-1%3Acheck%3A0';
  render(createElement(AccessRefused, { reason: undefined, host: '127.0.0.1:7654', onRetry: () => {} }));
  expect(screen.getByTestId('item-link-help').textContent).toMatch(/open your own reviewer link first/);
});

it('elsewhere, only the usual words', () => {
  location.hash = '#/runs';
  render(createElement(AccessRefused, { reason: undefined, host: '127.0.0.1:7654', onRetry: () => {} }));
  expect(screen.queryByTestId('item-link-help')).toBeNull();
  expect(screen.getByRole('alert').textContent).toContain('flowkeeper serve');
});
