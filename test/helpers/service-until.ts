/**
 * Waits on a service's events, never on a sleep: `check` is run now and again after every event
 * the service sends (run and flow notices, trigger health), until it answers true. The test's
 * own timeout ends a wait for something that never comes.
 */
import type { FlowkeeperService } from '../../engine/index.ts';

export function until(service: FlowkeeperService, check: () => Promise<boolean> | boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    let busy = false;
    let again = false;
    let stop = () => {};
    const test = async () => {
      if (busy) return void (again = true);
      busy = true;
      try {
        do {
          again = false;
          if (await check()) {
            stop();
            return resolve();
          }
        } while (again);
      } catch (error) {
        stop();
        reject(error as Error);
      } finally {
        busy = false;
      }
    };
    stop = service.subscribe(() => void test());
    void test();
  });
}
