/**
 * The address of one inbox item, for anything that points a person at it: `flowkeeper inbox
 * show` / `inbox list --json`, and reminders and alerts (engine/alerts builds its messages with
 * it). Opening it shows the item; it never decides anything (only an explicit POST does).
 *
 *   inboxItemLink(id)                                  → `#/inbox/<id>` (the desktop app's address)
 *   inboxItemLink(id, { base: 'http://127.0.0.1:7654' }) → the same on the web bridge
 *   inboxItemLink(id, { base, key })                   → with an access key, after `#`
 *
 * A key goes after the `#`: the fragment never leaves the browser, so it is in no request line
 * and no server or proxy log; the page takes it out of the address bar at once (renderer/access-key.ts).
 * Without a key, the bridge uses the key the browser tab already holds (a reviewer's own link
 * opened before). Reviewer keys are stored only as hashes, so a message sent later carries no key.
 *
 * May import: nothing (plain string building; the renderer's route parser reads the same shape).
 */

/** The hash route of one item (renderer/logic/route.ts parses it). */
export function inboxItemRoute(itemId: string): string {
  return `#/inbox/${encodeURIComponent(itemId)}`;
}

export function inboxItemLink(itemId: string, options: { base?: string; key?: string } = {}): string {
  const route = inboxItemRoute(itemId);
  if (options.base === undefined) return route;
  const base = options.base.replace(/[/#?]+$/, '');
  return `${base}/${route}${options.key ? `?token=${encodeURIComponent(options.key)}` : ''}`;
}

/** The web bridge's address on this machine (what `flowkeeper serve` prints, without its key). */
export function bridgeBase(port: number, host = '127.0.0.1'): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}
