import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { RequirementPreview } from '../../../engine/model/handover-import.ts';
import { HandoverImportRequestSchema } from '../../../engine/model/handover-import.ts';
import { bundleSourceFromBytes, choiceProblem, importRequest, newCredentialChoice, ownershipProblems, parseMaskList, toMappings, usedByWords } from '../../../renderer/handover/handover-logic.ts';

const bearer: RequirementPreview = {
  id: 'erp',
  type: 'http.bearer',
  typeTitle: 'Web API token (Bearer)',
  typeSource: 'stored',
  fields: [{ name: 'token', label: 'Token', secret: true, optional: false }],
  connect: false,
  usedBy: [
    { kind: 'step', nodeId: 'fetch', title: 'Fetch invoices', nodeType: 'http.request' },
    { kind: 'step', nodeId: 'post', title: 'Post totals', nodeType: 'http.request' },
  ],
  candidates: [{ id: 'erp-prod', label: 'ERP production' }],
};
const unknown: RequirementPreview = { ...bearer, id: 'mystery', type: '', typeTitle: '', typeSource: 'unknown', fields: [], candidates: [], usedBy: [{ kind: 'alerts', channel: 'webhook' }] };

describe('parseMaskList', () => {
  it('reads a comma list, drops blanks and repeats', () => {
    expect(parseMaskList(' email, customer.name,,email\n')).toEqual({ fields: ['email', 'customer.name'], problems: [] });
  });
  it('says what is wrong with a field that cannot be a path', () => {
    expect(parseMaskList('customer name').problems[0]).toContain('has a space');
    expect(parseMaskList('customer.').problems[0]).toContain('a dot goes between two names');
  });
});

describe('credential choices: nothing is linked until the person chooses', () => {
  it('says which steps use a credential', () => {
    expect(usedByWords(bearer.usedBy)).toBe('Used by the steps “Fetch invoices” and “Post totals”.');
    expect(usedByWords(unknown.usedBy)).toBe('Used by the alert webhook.');
  });

  it('leaves a requirement unlinked (and the request without it) until a choice is made', () => {
    expect(choiceProblem(bearer, undefined, new Set())).toBe('Choose one of your credentials or create a new one.');
    expect(toMappings([bearer], {})).toEqual({});
  });

  it('uses an offered credential of the same kind only', () => {
    expect(choiceProblem(bearer, { kind: 'use', id: 'erp-prod' }, new Set())).toBeUndefined();
    expect(choiceProblem(bearer, { kind: 'use', id: 'someone-else' }, new Set())).toContain('not one of the same kind');
    expect(toMappings([bearer], { erp: { kind: 'use', id: 'erp-prod' } })).toEqual({ erp: { use: 'erp-prod' } });
  });

  it('creates a new one under a free name with the type’s fields filled in', () => {
    const fresh = newCredentialChoice(bearer, new Set(['erp']));
    expect(fresh.id).toBe('erp-2');
    expect(choiceProblem(bearer, fresh, new Set(['erp']))).toBe('Fill in “Token”.');
    expect(choiceProblem(bearer, { ...fresh, id: 'erp' }, new Set(['erp']))).toContain('exists already');
    expect(choiceProblem(bearer, { ...fresh, id: 'has space' }, new Set())).toContain('no spaces');
    const filled = { ...fresh, values: { token: 't0k' } };
    expect(choiceProblem(bearer, filled, new Set(['erp']))).toBeUndefined();
    expect(toMappings([bearer], { erp: filled })).toEqual({ erp: { create: { id: 'erp-2', label: 'Web API token (Bearer)', values: { token: 't0k' } } } });
  });

  it('asks for the kind when the file does not know it, and sends it', () => {
    const fresh = newCredentialChoice(unknown, new Set());
    expect(choiceProblem(unknown, fresh, new Set())).toBe('Choose what kind of credential it is.');
    const chosen = { ...fresh, type: 'http.header', values: { value: 'k' } };
    expect(choiceProblem(unknown, chosen, new Set())).toBeUndefined();
    expect(toMappings([unknown], { mystery: chosen }).mystery).toEqual({ create: { id: 'mystery', label: 'mystery', values: { value: 'k' }, type: 'http.header' } });
  });
});

describe('the import request', () => {
  it('is what handover.import accepts', () => {
    const request = importRequest({ text: '{}' }, { requirements: [bearer], choices: { erp: { kind: 'use', id: 'erp-prod' } }, owner: { name: ' Carla ', email: 'carla@example.com' }, target: { kind: 'new-id', id: 'invoices-2' } });
    expect(request).toEqual({ text: '{}', credentials: { erp: { use: 'erp-prod' } }, owner: { name: 'Carla', email: 'carla@example.com' }, target: { newId: 'invoices-2' } });
    expect(HandoverImportRequestSchema.strict().safeParse(request).success).toBe(true);
  });

  it('asks for an owner with an address', () => {
    expect(ownershipProblems({ name: '', email: 'x' })).toEqual({ name: expect.any(String), email: expect.stringContaining('does not look like') });
    expect(ownershipProblems({ name: 'Carla', email: 'carla@example.com' })).toEqual({});
  });
});

describe('bundleSourceFromBytes', () => {
  it('sends plain JSON as text and a gzipped file as base64', () => {
    const text = '{"format":"flowkeeper/handover"}';
    expect(bundleSourceFromBytes(new TextEncoder().encode(text))).toEqual({ text });
    const gz = gzipSync(Buffer.from(text));
    expect(bundleSourceFromBytes(new Uint8Array(gz))).toEqual({ base64: gz.toString('base64') });
  });
});
