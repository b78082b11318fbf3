/**
 * Quitting with runs in progress: ask first, then close the service within a bounded time.
 * Pure over small interfaces (no Electron at run time); main.ts wires it to `before-quit`, the
 * last window's `close` (Linux and Windows, where closing it quits) and `will-quit`.
 */

/** The one place that counts what quitting would interrupt. */
export type CountActiveRuns = () => Promise<number>;

/**
 * Runs this process is running (the service's own count, no I/O). Runs another process (the CLI)
 * is running are not ours to stop, and runs interrupted earlier resume by themselves next start.
 */
export function countActiveRunsOfService(service: { activeRunCount(): number }): CountActiveRuns {
  return () => Promise.resolve(service.activeRunCount());
}

export interface QuitQuestion {
  type: 'question';
  message: string;
  detail: string;
  buttons: string[];
  defaultId: number;
  cancelId: number;
}

export const QUIT_BUTTON = 0;

export function quitQuestion(running: number): QuitQuestion {
  const runs = running === 1 ? '1 run is still running' : `${running} runs are still running`;
  return {
    type: 'question',
    message: `${runs}. Quit anyway?`,
    detail: 'They stop at a safe point and continue next time you open Flowkeeper.',
    buttons: ['Quit anyway', 'Keep Flowkeeper open'],
    defaultId: 1,
    cancelId: 1,
  };
}

export interface QuitGuardOptions {
  countActiveRuns: CountActiveRuns;
  /** Shows the question (a native message box); resolves to the button pressed. */
  ask(question: QuitQuestion): Promise<number>;
  log(message: string): void;
}

/**
 * Decides whether quitting may go on. `confirm()` asks at most once at a time; once the answer is
 * yes (or nothing runs) it stays yes, so the `before-quit` that follows a confirmed window close
 * does not ask again.
 */
export function createQuitGuard({ countActiveRuns, ask, log }: QuitGuardOptions) {
  let confirmed = false;
  let asking: Promise<boolean> | undefined;
  const decide = async (): Promise<boolean> => {
    let running = 0;
    try {
      running = await countActiveRuns();
    } catch (error) {
      // Never trap someone in the app: without a count, quit as before (runs resume next time).
      log(`Could not count the runs in progress before quitting: ${String(error)}`);
    }
    if (running === 0) return true;
    return (await ask(quitQuestion(running))) === QUIT_BUTTON;
  };
  return {
    get confirmed() {
      return confirmed;
    },
    /** True when quitting may go on. */
    async confirm(): Promise<boolean> {
      if (confirmed) return true;
      asking ??= decide().finally(() => (asking = undefined));
      confirmed = await asking;
      return confirmed;
    },
  };
}

export type CloseOutcome = 'closed' | 'timed-out' | 'failed';

/** Closes the service, waiting at most `timeoutMs`; quitting never hangs on a stuck run. */
export async function closeWithin(close: () => Promise<void>, timeoutMs: number, log: (message: string) => void): Promise<CloseOutcome> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<CloseOutcome>((resolve) => (timer = setTimeout(() => resolve('timed-out'), timeoutMs)));
  const closing = close().then(
    () => 'closed' as const,
    (error: unknown) => {
      log(`Closing the service failed: ${String(error)}`);
      return 'failed' as const;
    },
  );
  const outcome = await Promise.race([closing, timeout]);
  clearTimeout(timer);
  if (outcome === 'timed-out') log(`The service did not close within ${timeoutMs / 1000} s; quitting anyway (runs in progress continue next time).`);
  return outcome;
}
