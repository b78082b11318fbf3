/** Short confirmations and notes ("Imported “Invoice triage”"), shown bottom right for a while. */
import { create } from 'zustand';
import type { Tone } from '../logic/format.ts';

export interface Notice {
  id: number;
  tone: Tone;
  text: string;
}

interface NoticeStore {
  notices: Notice[];
  dismiss(id: number): void;
}

let nextId = 1;

export const useNotices = create<NoticeStore>((set) => ({
  notices: [],
  dismiss: (id) => set((s) => ({ notices: s.notices.filter((n) => n.id !== id) })),
}));

export function notify(text: string, tone: Tone = 'success', ms = 5000): void {
  const id = nextId++;
  useNotices.setState((s) => ({ notices: [...s.notices.slice(-3), { id, tone, text }] }));
  setTimeout(() => useNotices.getState().dismiss(id), ms);
}
