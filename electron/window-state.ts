/**
 * The window's size, position and maximized state, remembered between starts (kept in
 * electron-store by main.ts). Pure restore logic plus a small tracker over a window-like object.
 */
import { z } from 'zod';

export interface Bounds {
  x: number;
  y: number;
  width: number;
  height: number;
}

const BoundsSchema = z.object({ x: z.number().int(), y: z.number().int(), width: z.number().int().positive(), height: z.number().int().positive() });
export const WindowStateSchema = z.object({ bounds: BoundsSchema.optional(), maximized: z.boolean().default(false) });
export type WindowState = z.infer<typeof WindowStateSchema>;

/** A stored value that is not a window state (hand-edited, older format) counts as none. */
export function parseWindowState(value: unknown): WindowState | undefined {
  const parsed = WindowStateSchema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}

/** Smallest part of the window that must be on a screen for the saved position to be used. */
const MIN_VISIBLE = { width: 120, height: 60 };

/**
 * The bounds to open with: the saved ones when enough of the window lands on one of today's
 * screens (a monitor may have been unplugged), otherwise only the saved size, shrunk to fit the
 * largest screen, and the OS centres the window.
 */
export function restoreBounds(state: WindowState | undefined, workAreas: readonly Bounds[]): Partial<Bounds> | undefined {
  const saved = state?.bounds;
  if (!saved) return undefined;
  const onScreen = workAreas.some((area) => overlap(saved, area).width >= MIN_VISIBLE.width && overlap(saved, area).height >= MIN_VISIBLE.height);
  if (onScreen) return saved;
  const largest = [...workAreas].sort((a, b) => b.width * b.height - a.width * a.height)[0];
  if (!largest) return { width: saved.width, height: saved.height };
  return { width: Math.min(saved.width, largest.width), height: Math.min(saved.height, largest.height) };
}

function overlap(a: Bounds, b: Bounds): { width: number; height: number } {
  return {
    width: Math.max(0, Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x)),
    height: Math.max(0, Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y)),
  };
}

/** The part of BrowserWindow the tracker uses. */
export interface TrackableWindow {
  on(event: 'resize' | 'move' | 'maximize' | 'unmaximize' | 'close', listener: () => void): unknown;
  getBounds(): Bounds;
  getNormalBounds(): Bounds;
  isMaximized(): boolean;
  isDestroyed(): boolean;
}

/** Saves the state after moves and resizes settle, and at once when the window closes. */
export function trackWindowState(window: TrackableWindow, save: (state: WindowState) => void, debounceMs = 400): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const capture = () => {
    clearTimeout(timer);
    timer = undefined;
    if (window.isDestroyed()) return;
    const maximized = window.isMaximized();
    // While maximized, remember the size to come back to, not the screen's.
    save({ bounds: maximized ? window.getNormalBounds() : window.getBounds(), maximized });
  };
  const later = () => {
    clearTimeout(timer);
    timer = setTimeout(capture, debounceMs);
  };
  for (const event of ['resize', 'move', 'maximize', 'unmaximize'] as const) window.on(event, later);
  window.on('close', capture);
  return () => clearTimeout(timer);
}
