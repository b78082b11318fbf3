/** The runbook says what the flow does, when, what to do when it fails, who reviews and owns it — and holds no secret. */
import { describe, expect, it } from 'vitest';
import { buildRunbook, orderedSteps } from '../../../engine/handover/runbook.ts';
import { runbookHtml, runbookMarkdown } from '../../../engine/handover/runbook-render.ts';
import { credentialRequirements } from '../../../engine/handover/credential-requirements.ts';
import { registry } from '../../helpers/engine.ts';
import { supportFlow } from './fixture-flow.ts';

function doc() {
  const flow = supportFlow();
  const credentials = credentialRequirements(flow, registry, new Map([['shop-api', { type: 'http.bearer', fields: ['token'] }]]));
  return buildRunbook({ flow, catalog: registry, credentials, references: [{ runId: 'run-1', status: 'succeeded', createdAt: '2026-11-30T09:00:00Z' }], generatedAt: '2026-12-01T10:00:00Z' });
}

function section(md: string, title: string): string {
  const start = md.indexOf(`## ${title}`);
  expect(start, `section “${title}”`).toBeGreaterThanOrEqual(0);
  const next = md.indexOf('\n## ', start + 3);
  return md.slice(start, next === -1 ? undefined : next);
}

describe('runbook', () => {
  it('orders steps as items pass through them', () => {
    expect(orderedSteps(supportFlow()).map((n) => n.id)).toEqual(['hook', 'fetch', 'draft', 'check', 'send', 'log-failure']);
  });

  it('has every section, in plain words, from the flow, the catalogue and the charter', () => {
    const md = runbookMarkdown(doc());
    expect(md.startsWith('# Runbook: Support \\<replies\\> & drafts')).toBe(true);

    const what = section(md, 'What it does');
    expect(what).toContain('Drafts a reply to each new support ticket');
    expect(what).toMatch(/1\. \*\*New ticket\*\*[^\n]*\n2\. \*\*Fetch customer\*\* \([^)]+\): `GET https:\/\/api\.example\.com\/tickets`/);
    expect(what).toContain('**Draft reply**');

    const when = section(md, 'When it runs');
    expect(when).toContain('`POST /tickets`');
    expect(when).toContain('hook-secret');

    const errors = section(md, 'When something goes wrong');
    expect(errors).toMatch(/If \*\*Send reply\*\* fails for an item, that item goes to \*\*Note failed send\*\*/);
    expect(errors).toMatch(/If \*\*Fetch customer\*\* fails, the run stops[^\n]*tried up to 3 times/);
    expect(errors).toContain('flowkeeper replay <runId> --from fetch');
    expect(errors).toContain('needs attention');
    expect(errors).toContain('`flowkeeper resume <runId> --choice send-again|skip-item|cancel`');

    const review = section(md, 'Review steps');
    expect(review).toContain('Who reviews: support-leads.');
    expect(review).toContain('`Is this reply right?`');
    expect(review).toContain('they may correct: Reply text');
    expect(review).toContain('decide within 8 hours');
    expect(review).toContain('handed to manager');

    const owner = section(md, 'Who owns it');
    expect(owner).toContain('Owner: Ana Owner \\<ana@example.com\\>');
    expect(owner).toContain('Backup owner: Ben Backup');
    expect(owner).toContain('Success means: at least 80 % of runs need no person');
    expect(owner).toContain('**It must never:** Send anything to a customer without a person seeing it.');
    expect(owner).toContain('before the flow: 20 %');

    const alerts = section(md, 'Where alerts go');
    expect(alerts).toContain('mail server credential “mail”');
    expect(alerts).toContain('`hooks.slack.com`');
    expect(alerts).not.toContain('XXXXSECRETPATH');

    const pause = section(md, 'How to pause it');
    expect(pause).toContain('`flowkeeper flows deactivate support-replies`');
    expect(pause).toContain('switch it off');

    const creds = section(md, 'Credentials it needs');
    expect(creds).toContain('| `shop-api` | Web API token (Bearer) | token |');
    expect(creds).toMatch(/\| `openai` \| AI provider key \| apiKey, baseUrl \(optional\) \| — \| Draft reply \|/);
    expect(creds).toMatch(/\| `mail` \| Mail server login[^|]*\|[^|]*\|[^|]*\| Send reply, alert e-mails \|/);

    expect(section(md, 'Reference runs')).toContain('`run-1`');
  });

  it('renders one self-contained, escaped HTML page without scripts', () => {
    const html = runbookHtml(doc());
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain('<title>Runbook: Support &lt;replies&gt; &amp; drafts</title>');
    expect(html).not.toMatch(/<script|javascript:|\son[a-z]+=|src=|<link/i);
    for (const title of ['What it does', 'When it runs', 'When something goes wrong', 'Review steps', 'Who owns it', 'Where alerts go', 'How to pause it', 'Credentials it needs']) expect(html).toContain(`<h2>${title}</h2>`);
    expect(html).toContain('<strong>Fetch customer</strong>');
    expect(html).not.toContain('XXXXSECRETPATH');
  });

  it('escapes what a person typed, so a name cannot become markup', () => {
    const flow = { ...supportFlow(), description: '<img src=x onerror=alert(1)> **bold**' };
    const built = buildRunbook({ flow, catalog: registry, credentials: [], generatedAt: '2026-12-01T10:00:00Z' });
    expect(runbookHtml(built)).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(runbookMarkdown(built)).toContain('\\<img src=x onerror=alert(1)\\> \\*\\*bold\\*\\*');
  });
});
