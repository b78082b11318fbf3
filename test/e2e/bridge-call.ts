/** One API call over a web bridge's HTTP door, as the specs that start their own bridge make them. */
import type { Bridge } from '../../cli/serve.ts';

export async function bridgeCall<T>(bridge: Pick<Bridge, 'origin' | 'token'>, method: string, args: unknown): Promise<T> {
  const response = await fetch(`${bridge.origin}/api/${method}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${bridge.token}`, 'content-type': 'application/json' },
    body: JSON.stringify(args),
  });
  const reply = (await response.json()) as { ok: boolean; result?: T; error?: { message: string; problems?: unknown } };
  if (!reply.ok) throw new Error(`${method}: ${reply.error?.message}${reply.error?.problems ? ` ${JSON.stringify(reply.error.problems)}` : ''}`);
  return reply.result as T;
}
