/**
 * Who uses this page (renderer/api.ts `Session`): a reviewer's link shows only the inbox; the
 * owner sees everything and decides under the name in Settings. Settings groups are read for
 * the owner only (a reviewer's link may not read settings; the bridge filters their items).
 */
import { create } from 'zustand';
import { fetchSession, getApi, type Session } from '../api.ts';

interface SessionStore {
  session?: Session;
  /** Named groups from Settings (owner only), for "assigned to me". */
  groups: Record<string, string[]>;
  load(): Promise<void>;
}

export const useSession = create<SessionStore>((set) => ({
  groups: {},
  async load() {
    const fromBridge = await fetchSession().catch(() => undefined);
    if (fromBridge?.role === 'reviewer') {
      set({ session: fromBridge, groups: {} });
      return;
    }
    try {
      const settings = (await getApi().settings.get({})) as { reviewerName: string; reviewerGroups?: Record<string, string[]> };
      set({ session: { role: 'owner', name: settings.reviewerName }, groups: settings.reviewerGroups ?? {} });
    } catch {
      set({ session: { role: 'owner', name: fromBridge?.name ?? '' }, groups: {} });
    }
  },
}));

export function isReviewerPage(): boolean {
  return useSession.getState().session?.role === 'reviewer';
}
