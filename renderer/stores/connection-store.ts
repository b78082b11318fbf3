/** The connection to Flowkeeper (always "connected" in the desktop app). */
import { create } from 'zustand';
import { getConnection } from '../api.ts';
import type { ConnectionStatus } from '../ws-client.ts';

interface ConnectionStore {
  status: ConnectionStatus;
  /** Bumped each time the connection comes back, so views reload what they missed. */
  generation: number;
}

export const useConnection = create<ConnectionStore>(() => ({ status: { state: 'connecting' }, generation: 0 }));

export function trackConnection(onReconnected: () => void): () => void {
  const connection = getConnection();
  useConnection.setState({ status: connection.status });
  let wasConnected = connection.status.state === 'connected';
  return connection.onStatus((status) => {
    const reconnected = status.state === 'connected' && !wasConnected;
    wasConnected = status.state === 'connected';
    useConnection.setState((s) => ({ status, generation: reconnected ? s.generation + 1 : s.generation }));
    if (reconnected) onReconnected();
  });
}
