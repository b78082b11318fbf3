/**
 * Saving as you go: a debounced `flows.save` after each change, guarded by the version the editor
 * last saw. When another window or process saved meanwhile, nothing is overwritten and nothing is
 * dropped: the editor shows the conflict and the person chooses — keep theirs (load it; undo
 * brings mine back), or keep mine (saved as the newest version; theirs stays in the history).
 */
import { create } from 'zustand';
import { ApiError } from '../../engine/model/contract.ts';
import { getApi } from '../api.ts';
import { toErrorView } from '../logic/errors.ts';
import { useEditor } from './editor-store.ts';

const DELAY_MS = 800;

export type SaveStatus = 'saved' | 'unsaved' | 'saving' | 'error' | 'conflict';

interface SaveStore {
  status: SaveStatus;
  message: string | undefined;
  /** The version someone else saved, when in conflict. */
  theirVersion: number | undefined;
  /** No saving (a past run shown read-only). */
  paused: boolean;
}

export const useSave = create<SaveStore>(() => ({ status: 'saved', message: undefined, theirVersion: undefined, paused: true }));

let timer: ReturnType<typeof setTimeout> | undefined;
let running: Promise<boolean> | undefined;

/** Starts watching the editor store; returns the stop function. */
export function startAutosave(): () => void {
  useSave.setState({ status: 'saved', message: undefined, theirVersion: undefined, paused: false });
  const stop = useEditor.subscribe((state, before) => {
    if (state.revision === before.revision || !state.dirty || useSave.getState().paused) return;
    if (useSave.getState().status !== 'conflict') useSave.setState({ status: 'unsaved' });
    schedule();
  });
  return () => {
    stop();
    if (timer) clearTimeout(timer);
    timer = undefined;
  };
}

export function pauseAutosave(paused: boolean): void {
  useSave.setState({ paused });
}

function schedule(): void {
  if (timer) clearTimeout(timer);
  timer = setTimeout(() => {
    timer = undefined;
    void flushSave();
  }, DELAY_MS);
}

/** Saves now if anything is unsaved; true when everything is saved afterwards. */
export async function flushSave(): Promise<boolean> {
  if (timer) clearTimeout(timer);
  timer = undefined;
  while (running) await running;
  const { flow, dirty, savedVersion, revision } = useEditor.getState();
  if (!flow || !dirty || useSave.getState().paused) return !dirty;
  if (useSave.getState().status === 'conflict') return false;
  running = (async () => {
    useSave.setState({ status: 'saving', message: undefined });
    try {
      const saved = await getApi().flows.save({ flow, expectedVersion: savedVersion });
      useEditor.getState().markSaved(saved.version, revision, saved.problems);
      const more = useEditor.getState().dirty;
      useSave.setState({ status: more ? 'unsaved' : 'saved' });
      if (more) schedule();
      return !more;
    } catch (error) {
      const e = ApiError.from(error);
      if (e.code === 'FLOW_CONFLICT') {
        const current = await getApi().flows.get({ id: flow.id }).catch(() => undefined);
        useSave.setState({ status: 'conflict', theirVersion: current?.flow.version, message: 'Someone saved this flow in another window or program while you were editing.' });
      } else {
        const view = toErrorView(e);
        useSave.setState({ status: 'error', message: view.hint ? `${view.message} ${view.hint}` : view.message });
      }
      return false;
    } finally {
      running = undefined;
    }
  })();
  return running;
}

/**
 * Keep mine: save over the newer version (theirs stays in the version history, so nothing is lost).
 * Keep theirs: load the newer version; my edits stay undoable one step back.
 */
export async function resolveConflict(choice: 'mine' | 'theirs'): Promise<void> {
  const { flow } = useEditor.getState();
  if (!flow) return;
  const current = await getApi().flows.get({ id: flow.id });
  if (choice === 'mine') {
    useEditor.setState({ savedVersion: current.flow.version });
    useSave.setState({ status: 'unsaved', message: undefined, theirVersion: undefined });
    await flushSave();
    return;
  }
  const mine = flow;
  useEditor.getState().load(current.flow, current.flow.version, current.problems);
  // Undo brings my version back (as an unsaved edit) if I change my mind.
  useEditor.setState({ past: [mine] });
  useSave.setState({ status: 'saved', message: undefined, theirVersion: undefined });
}
