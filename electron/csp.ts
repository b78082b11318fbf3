/**
 * The Content-Security-Policy header the main process adds to every response the window gets
 * (electron/window.ts). The built page also carries a policy in a <meta> tag
 * (renderer/index.html); where both apply, a resource must pass both.
 */

/** The production policy: only the app's own files, no plugins, no framing, no forms. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'none'",
].join('; ');

/**
 * The policy for a page served by the Vite dev server. Vite injects an inline module script
 * (React Fast Refresh preamble) and talks to its HMR WebSocket, so the dev policy allows inline
 * scripts and that one socket. Never used for a packaged app (see `resolveAppEntry`).
 */
export function devContentSecurityPolicy(devServerOrigin: string): string {
  const url = new URL(devServerOrigin);
  const ws = `${url.protocol === 'https:' ? 'wss:' : 'ws:'}//${url.host}`;
  return CONTENT_SECURITY_POLICY.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'").replace("connect-src 'self'", `connect-src 'self' ${ws}`);
}
