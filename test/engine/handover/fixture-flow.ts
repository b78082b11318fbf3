/** A flow a consultant might hand over: webhook in, API call, AI draft, a person reviews, e-mail out. */
import { FlowSchema, type Flow } from '../../../engine/model/flow.ts';
import { readyCharter } from '../../helpers/ready-charter.ts';

export function supportFlow(apiUrl = 'https://api.example.com/tickets'): Flow {
  return FlowSchema.parse({
    format: 'flowkeeper/flow',
    formatVersion: 1,
    id: 'support-replies',
    name: 'Support <replies> & drafts',
    description: 'Drafts a reply to each new support ticket; a person approves it before it is sent.',
    version: 3,
    charter: { ...readyCharter(), alerts: { email: { credential: 'mail', to: [] }, webhook: { url: 'https://hooks.slack.com/services/T000/B000/XXXXSECRETPATH', format: 'slack' }, desktop: true } },
    nodes: [
      { id: 'hook', type: 'trigger.webhook', name: 'New ticket', position: { x: 0, y: 0 }, config: { path: '/tickets', auth: 'bearer', credential: 'hook-secret' } },
      { id: 'fetch', type: 'http.request', name: 'Fetch customer', position: { x: 200, y: 0 }, config: { method: 'GET', url: apiUrl, auth: 'bearer', credential: 'shop-api' }, retry: { maxAttempts: 3 } },
      { id: 'draft', type: 'llm.generate', name: 'Draft reply', position: { x: 400, y: 0 }, config: { provider: 'openai', model: 'gpt-test', credential: 'openai', prompt: 'Write a reply to {{ customer.name }}' } },
      { id: 'check', type: 'human.review', name: 'Check the draft', position: { x: 600, y: 0 }, config: { title: 'Is this reply right?', assignee: 'support-leads', dueAfterHours: 8, remindAfterHours: 4, escalateAfterHours: 12, escalateTo: 'manager', fields: [{ name: 'reply', label: 'Reply text' }], aiAnswer: '{{ reply }}' } },
      { id: 'send', type: 'email.send', name: 'Send reply', position: { x: 800, y: 0 }, config: { credential: 'mail', to: '{{ customer.email }}', subject: 'Your ticket', text: '{{ reply }}' } },
      { id: 'log-failure', type: 'transform.set', name: 'Note failed send', position: { x: 1000, y: 100 }, config: {} },
    ],
    edges: [
      { source: 'hook', target: 'fetch' },
      { source: 'fetch', target: 'draft' },
      { source: 'draft', target: 'check' },
      { source: 'check', target: 'send', sourcePort: 'approved' },
      { source: 'send', target: 'log-failure', sourcePort: 'error' },
    ],
  });
}
