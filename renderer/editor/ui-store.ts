/** What the editor shows, apart from the flow and the run: selection, palette search, panels, notices. */
import { create } from 'zustand';

export interface EditorUiStore {
  selected: string[];
  selectedEdges: string[];
  search: string;
  helpOpen: boolean;
  /** A short plain message near the canvas (e.g. why a connection was refused). */
  message: string | undefined;
  select(ids: string[]): void;
  selectEdges(ids: string[]): void;
  setSearch(search: string): void;
  setHelpOpen(open: boolean): void;
  say(message: string | undefined): void;
}

export const useEditorUi = create<EditorUiStore>((set, get) => ({
  selected: [],
  selectedEdges: [],
  search: '',
  helpOpen: false,
  message: undefined,
  select(ids) {
    const current = get().selected;
    if (current.length === ids.length && current.every((id, i) => id === ids[i])) return;
    set({ selected: ids });
  },
  selectEdges(ids) {
    const current = get().selectedEdges;
    if (current.length === ids.length && current.every((id, i) => id === ids[i])) return;
    set({ selectedEdges: ids });
  },
  setSearch(search) {
    set({ search });
  },
  setHelpOpen(helpOpen) {
    set({ helpOpen });
  },
  say(message) {
    set({ message });
  },
}));
