/**
 * Credential types the built-in nodes understand, with the fields each one needs: the one list
 * the app's forms, `flowkeeper credentials set --type` and the engine check against. The values
 * are write-only: the form asks for them, the API stores them in the keychain, nothing reads
 * them back. "Other" lets a person name their own fields. Pure (no node:*): the renderer uses it.
 */

export interface CredentialTypePreset {
  type: string;
  title: string;
  /** The person signs in once in the browser (Connect) after the fields are saved. */
  connect?: boolean;
  fields: Array<{ name: string; label: string; secret: boolean; optional?: boolean }>;
}

export const CREDENTIAL_TYPES: readonly CredentialTypePreset[] = [
  { type: 'http.bearer', title: 'Web API token (Bearer)', fields: [{ name: 'token', label: 'Token', secret: true }] },
  {
    type: 'http.basic',
    title: 'Web API user name and password',
    fields: [
      { name: 'username', label: 'User name', secret: false },
      { name: 'password', label: 'Password', secret: true },
    ],
  },
  { type: 'http.header', title: 'Web API key in a header', fields: [{ name: 'value', label: 'Key', secret: true }] },
  {
    // RFC 6749 §4.4: machine-to-machine. The engine fetches and renews the access token itself.
    type: 'oauth2.client-credentials',
    title: 'OAuth2 sign-in for a service (client credentials)',
    fields: [
      { name: 'tokenUrl', label: 'Token address, e.g. https://login.example.com/oauth/token', secret: false },
      { name: 'clientId', label: 'Client id', secret: false },
      { name: 'clientSecret', label: 'Client secret', secret: true },
      { name: 'scope', label: 'Scope (permissions asked for, separated by spaces)', secret: false, optional: true },
      { name: 'audience', label: 'Audience (only if the service asks for one)', secret: false, optional: true },
      { name: 'clientAuthentication', label: 'How the client signs in to the token address: basic (usual) or post (empty: basic)', secret: false, optional: true },
    ],
  },
  {
    // RFC 6749 §4.1 with PKCE (RFC 7636): a person signs in once in the browser ("Connect");
    // the refresh token is kept in the keychain and renewed access tokens are stored back.
    type: 'oauth2.authorization-code',
    title: 'OAuth2 sign-in as a person (connect in the browser)',
    connect: true,
    fields: [
      { name: 'authorizeUrl', label: 'Sign-in page address, e.g. https://login.example.com/oauth/authorize', secret: false },
      { name: 'tokenUrl', label: 'Token address, e.g. https://login.example.com/oauth/token', secret: false },
      { name: 'clientId', label: 'Client id', secret: false },
      { name: 'clientSecret', label: 'Client secret (empty for a public client)', secret: true, optional: true },
      { name: 'scopes', label: 'Scopes (permissions asked for, separated by spaces)', secret: false, optional: true },
      { name: 'clientAuthentication', label: 'How the client signs in to the token address: basic (usual) or post (empty: basic)', secret: false, optional: true },
    ],
  },
  {
    type: 'llm.api',
    title: 'AI provider key',
    fields: [
      { name: 'apiKey', label: 'API key', secret: true },
      { name: 'baseUrl', label: 'Address (only for a self-hosted or compatible server)', secret: false, optional: true },
    ],
  },
  {
    type: 'postgres',
    title: 'PostgreSQL database connection',
    fields: [
      { name: 'host', label: 'Server (host name, or a socket folder such as /var/run/postgresql)', secret: false },
      { name: 'port', label: 'Port (empty for 5432)', secret: false, optional: true },
      { name: 'database', label: 'Database name', secret: false },
      { name: 'user', label: 'User name', secret: false },
      { name: 'password', label: 'Password', secret: true, optional: true },
      { name: 'sslmode', label: 'Encryption: disable, require or verify-full (empty: off on this machine, verify-full elsewhere)', secret: false, optional: true },
    ],
  },
  {
    type: 'smtp',
    title: 'Mail server login (SMTP, for sending e-mail)',
    fields: [
      { name: 'host', label: 'Mail server, e.g. smtp.example.com', secret: false },
      { name: 'port', label: 'Port (empty: 587, or 465 with tls)', secret: false, optional: true },
      { name: 'security', label: 'Encryption: starttls (usual), tls or none (empty: starttls)', secret: false, optional: true },
      { name: 'username', label: 'User name', secret: false, optional: true },
      { name: 'password', label: 'Password (or app password)', secret: true, optional: true },
      { name: 'from', label: 'Sender address used when a step names none', secret: false, optional: true },
    ],
  },
  {
    type: 'imap',
    title: 'Mailbox login (IMAP, for reading e-mail)',
    fields: [
      { name: 'host', label: 'Mail server, e.g. imap.example.com', secret: false },
      { name: 'port', label: 'Port (empty: 993, or 143 with starttls or none)', secret: false, optional: true },
      { name: 'security', label: 'Encryption: tls (usual), starttls or none (empty: tls)', secret: false, optional: true },
      { name: 'username', label: 'User name', secret: false },
      { name: 'password', label: 'Password (or app password)', secret: true },
    ],
  },
  { type: 'airtable.token', title: 'Airtable personal access token', fields: [{ name: 'token', label: 'Token (starts with pat, from airtable.com/create/tokens)', secret: true }] },
  { type: 'slack.bot', title: 'Slack bot token', fields: [{ name: 'token', label: 'Bot token (starts with xoxb-, from the Slack app\'s OAuth & Permissions page)', secret: true }] },
];

export function presetFor(type: string): CredentialTypePreset | undefined {
  return CREDENTIAL_TYPES.find((p) => p.type === type);
}

/** The field the CLI reads from stdin or a hidden prompt: the type's first secret field. */
export function secretFieldOf(type: string): string | undefined {
  return presetFor(type)?.fields.find((f) => f.secret)?.name;
}

/**
 * For a known type, the required fields (other than `except`, e.g. the secret still to be read)
 * that `values` lacks; empty when all are there or the type is not a preset.
 */
export function missingFields(type: string, values: Readonly<Record<string, string>>, except: readonly string[] = []): Array<{ name: string; label: string }> {
  const preset = presetFor(type);
  if (!preset) return [];
  return preset.fields.filter((f) => !f.optional && !except.includes(f.name) && (values[f.name] ?? '') === '').map(({ name, label }) => ({ name, label }));
}

export function credentialTypeTitle(type: string): string {
  return presetFor(type)?.title ?? type;
}

/** Credential ids: a letter or digit first, then letters, digits, `_`, `.`, `-` (as the API requires). */
export function credentialIdProblem(id: string): string | undefined {
  if (id.trim() === '') return 'Give the credential a name, like shop-api.';
  if (id.length > 100) return 'Keep the name under 100 characters.';
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(id)) return 'Use letters, digits, “-”, “_” and “.”, starting with a letter or digit (no spaces).';
  return undefined;
}

/** The values to send: blank optional fields are left out; returns a problem for a blank required one. */
export function collectValues(
  fields: ReadonlyArray<{ name: string; label: string; optional?: boolean }>,
  values: Readonly<Record<string, string>>,
): { ok: true; values: Record<string, string> } | { ok: false; message: string } {
  const out: Record<string, string> = {};
  for (const field of fields) {
    const name = field.name.trim();
    if (name === '') continue;
    const value = values[field.name] ?? '';
    if (value === '') {
      if (field.optional) continue;
      return { ok: false, message: `Fill in “${field.label}”.` };
    }
    out[name] = value;
  }
  if (Object.keys(out).length === 0) return { ok: false, message: 'A credential needs at least one value.' };
  return { ok: true, values: out };
}
