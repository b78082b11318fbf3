import { describe, expect, it, vi } from 'vitest';
import { parseWindowState, restoreBounds, trackWindowState, type Bounds, type TrackableWindow } from '../../electron/window-state.ts';

const laptop: Bounds = { x: 0, y: 0, width: 1440, height: 900 };
const monitor: Bounds = { x: 1440, y: 0, width: 2560, height: 1440 };

describe('window state', () => {
  it('restores saved bounds that are on a screen', () => {
    const state = { bounds: { x: 1600, y: 100, width: 1200, height: 800 }, maximized: false };
    expect(restoreBounds(state, [laptop, monitor])).toEqual(state.bounds);
  });

  it('keeps only the size (fitted to the largest screen) when the saved screen is gone', () => {
    expect(restoreBounds({ bounds: { x: 1600, y: 100, width: 2000, height: 1200 }, maximized: false }, [laptop])).toEqual({ width: 1440, height: 900 });
    expect(restoreBounds({ bounds: { x: 1430, y: 100, width: 800, height: 600 }, maximized: false }, [laptop])).toEqual({ width: 800, height: 600 });
  });

  it('has nothing to restore without saved bounds', () => {
    expect(restoreBounds(undefined, [laptop])).toBeUndefined();
    expect(restoreBounds({ maximized: true }, [laptop])).toBeUndefined();
  });

  it('treats a damaged stored value as none', () => {
    expect(parseWindowState({ bounds: { x: 'a' } })).toBeUndefined();
    expect(parseWindowState('maximized')).toBeUndefined();
    expect(parseWindowState({ bounds: { x: 1, y: 2, width: 3, height: 4 } })).toEqual({ bounds: { x: 1, y: 2, width: 3, height: 4 }, maximized: false });
  });

  it('saves after moves settle and at once on close, keeping the normal size while maximized', () => {
    vi.useFakeTimers();
    const listeners = new Map<string, () => void>();
    let maximized = false;
    const window: TrackableWindow = {
      on: (event, listener) => listeners.set(event, listener),
      getBounds: () => (maximized ? laptop : { x: 10, y: 20, width: 800, height: 600 }),
      getNormalBounds: () => ({ x: 10, y: 20, width: 800, height: 600 }),
      isMaximized: () => maximized,
      isDestroyed: () => false,
    };
    const save = vi.fn();
    trackWindowState(window, save, 400);
    listeners.get('move')!();
    listeners.get('resize')!();
    expect(save).not.toHaveBeenCalled();
    vi.advanceTimersByTime(400);
    expect(save).toHaveBeenCalledExactlyOnceWith({ bounds: { x: 10, y: 20, width: 800, height: 600 }, maximized: false });

    maximized = true;
    listeners.get('maximize')!();
    listeners.get('close')!();
    expect(save).toHaveBeenLastCalledWith({ bounds: { x: 10, y: 20, width: 800, height: 600 }, maximized: true });
    vi.advanceTimersByTime(1000);
    expect(save).toHaveBeenCalledTimes(2);
    vi.useRealTimers();
  });
});
