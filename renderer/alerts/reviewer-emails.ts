/**
 * Settings → Review reminders by e-mail, as plain rows: a reviewer's name (as review steps and
 * groups name them) and their address. Checked here with the same rule as the settings schema,
 * so a wrong row is named before saving.
 */
export interface EmailRow {
  key: string;
  name: string;
  email: string;
}

const ADDRESS = /^[^@\s<>]+@[^@\s<>]+$/;

export function rowsFromEmails(emails: Record<string, string>, keyOf: () => string): EmailRow[] {
  return Object.entries(emails).map(([name, email]) => ({ key: keyOf(), name, email }));
}

/** The first problem of each row (by key), in words. */
export function emailRowProblems(rows: EmailRow[]): Record<string, string> {
  const problems: Record<string, string> = {};
  const seen = new Set<string>();
  for (const row of rows) {
    const name = row.name.trim();
    const email = row.email.trim();
    if (name === '' && email === '') continue;
    if (name === '') problems[row.key] = 'Write the reviewer\'s name, as review steps assign it.';
    else if (seen.has(name.toLowerCase())) problems[row.key] = `"${name}" is listed twice.`;
    else if (!ADDRESS.test(email)) problems[row.key] = 'An e-mail address looks like ana@example.com.';
    seen.add(name.toLowerCase());
  }
  return problems;
}

export function emailsFromRows(rows: EmailRow[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const row of rows) if (row.name.trim() !== '') out[row.name.trim()] = row.email.trim();
  return out;
}
