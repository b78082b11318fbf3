/**
 * Where `$1`, `$2`… sit in a SQL statement. Shared by the PostgreSQL step (which checks that every
 * placeholder has a parameter) and the inspector (which labels each parameter with the placeholder
 * it fills), so both count the same way: `$n` inside string literals, quoted names, dollar-quoted
 * bodies and comments is not a placeholder.
 */

/** SQL without string literals, quoted names and comments: what keywords and `$n` are looked for in. */
export function sqlCodeOnly(sql: string): string {
  return sql
    .replace(/--[^\n]*/g, ' ')
    .replace(/\/\*[\s\S]*?\*\//g, ' ')
    .replace(/\$([A-Za-z_][A-Za-z0-9_]*)?\$[\s\S]*?\$\1\$/g, ' ')
    .replace(/'(?:[^']|'')*'/g, ' ')
    .replace(/"(?:[^"]|"")*"/g, ' ');
}

/** The highest `$n` the statement uses (0: none), i.e. how many parameters it needs. */
export function highestPlaceholder(sql: string): number {
  let highest = 0;
  for (const match of sqlCodeOnly(sql).matchAll(/\$(\d+)/g)) highest = Math.max(highest, Number(match[1]));
  return highest;
}
