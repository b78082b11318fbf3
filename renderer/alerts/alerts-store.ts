/**
 * The alerts screen's state: open and recent alerts with their deliveries, muted flows, failed
 * deliveries (alerts.list); mute, unmute and snooze. Pushed `alerts.changed` events reload it
 * (stores/live-updates.ts), so the rail's badge and the list stay current.
 */
import { create } from 'zustand';
import type { AlertList } from '../../engine/model/alerts.ts';
import { getApi } from '../api.ts';
import { toErrorView, type ErrorView } from '../logic/errors.ts';
import { notify } from '../stores/notice-store.ts';

interface AlertsStore {
  list: AlertList;
  loaded: boolean;
  error?: ErrorView;
  /** What an action (mute, snooze) answered when it failed. */
  actionError?: ErrorView;
  load(): Promise<void>;
  mute(flowId: string, flowName: string): Promise<void>;
  unmute(flowId: string, flowName: string): Promise<void>;
  snooze(key: string, minutes: number, label: string): Promise<void>;
}

const EMPTY: AlertList = { open: [], recent: [], muted: [], failedDeliveries: [], reminders: [] };

export const useAlerts = create<AlertsStore>((set, get) => {
  const act = async (work: () => Promise<unknown>, done: string) => {
    try {
      await work();
      set({ actionError: undefined });
      notify(done);
    } catch (error) {
      set({ actionError: toErrorView(error) });
    }
    await get().load();
  };
  return {
    list: EMPTY,
    loaded: false,
    async load() {
      try {
        set({ list: await getApi().alerts.list({ recent: 20 }), loaded: true, error: undefined });
      } catch (error) {
        set({ loaded: true, error: toErrorView(error) });
      }
    },
    mute: (flowId, flowName) => act(() => getApi().alerts.mute({ flowId }), `Alerts of “${flowName}” are muted: still recorded here, not sent.`),
    unmute: (flowId, flowName) => act(() => getApi().alerts.unmute({ flowId }), `Alerts of “${flowName}” are sent again.`),
    snooze: (key, minutes, label) => act(() => getApi().alerts.snooze({ key, minutes }), minutes === 0 ? 'Snooze ended.' : `Snoozed for ${label}.`),
  };
});
