/**
 * The web bridge's access key. `flowkeeper serve` prints a link with `?token=…`; on first load
 * the page keeps the key in sessionStorage (this tab only) and takes it out of the address bar,
 * so it does not end up in bookmarks or screenshots. (The browser's history still holds the link;
 * the key stays until the owner replaces it with `--new-key`.) There is no cookie: cookies are shared by every
 * port of a host, so one would hand the key to any other local server the browser visits.
 *
 * Browser objects are passed in (structurally typed), so this runs in unit tests too.
 */

const STORAGE_KEY = 'flowkeeper.accessKey';

export interface LocationLike {
  protocol: string;
  host: string;
  pathname: string;
  search: string;
  hash: string;
}

export interface StorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

export interface HistoryLike {
  replaceState(data: unknown, unused: string, url?: string): void;
}

/**
 * Reads `?token=` once — in the query, or after the `#` (`#/inbox/<id>?token=…`, a link to one
 * item: the fragment never reaches a server log) —, remembers it for this tab and removes it from
 * the address bar.
 */
export function takeAccessKey(location: LocationLike, storage: StorageLike | undefined, history: HistoryLike | undefined): string | undefined {
  const params = new URLSearchParams(location.search);
  const [hashPath = '', hashQuery = ''] = location.hash.split('?', 2);
  const hashParams = new URLSearchParams(hashQuery);
  const fromUrl = params.get('token') ?? hashParams.get('token');
  if (fromUrl !== null) {
    try {
      storage?.setItem(STORAGE_KEY, fromUrl);
    } catch {
      // Storage can be disabled: the key then lasts for this page only.
    }
    params.delete('token');
    hashParams.delete('token');
    const rest = params.toString();
    const hashRest = hashParams.toString();
    history?.replaceState(null, '', `${location.pathname}${rest ? `?${rest}` : ''}${hashPath}${hashRest ? `?${hashRest}` : ''}`);
    return fromUrl === '' ? undefined : fromUrl;
  }
  try {
    return storage?.getItem(STORAGE_KEY) ?? undefined;
  } catch {
    return undefined;
  }
}

/** `ws(s)://<same host>/api/ws`, with the key when there is one. */
export function bridgeSocketUrl(location: Pick<LocationLike, 'protocol' | 'host'>, key: string | undefined): string {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}/api/ws${key ? `?token=${encodeURIComponent(key)}` : ''}`;
}

/** The same address over plain HTTP, used to ask whether the key was refused. */
export function bridgeProbeUrl(location: Pick<LocationLike, 'protocol' | 'host'>, key: string | undefined): string {
  return `${location.protocol}//${location.host}/api/ws${key ? `?token=${encodeURIComponent(key)}` : ''}`;
}
