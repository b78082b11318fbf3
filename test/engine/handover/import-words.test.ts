/**
 * The import's sentences about credential types read as English: "needs an AI provider key
 * credential", not "a AI".
 */
import { describe, expect, it } from 'vitest';
import { typeText, withArticle } from '../../../engine/handover/import-mapping.ts';

describe('credential type words', () => {
  it('uses an before a vowel and a before a consonant', () => {
    expect(typeText('llm.api')).toBe('an AI provider key credential (llm.api)');
    expect(typeText('http.bearer')).toBe('a Web API token (Bearer) credential (http.bearer)');
    expect(withArticle('OAuth2 sign-in for a service (client credentials)')).toBe('an OAuth2 sign-in for a service (client credentials)');
    expect(withArticle('PostgreSQL database connection')).toBe('a PostgreSQL database connection');
  });
});
