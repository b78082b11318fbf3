/**
 * The app's settings file. Read-modify-write one change at a time; a damaged file is reported,
 * never silently replaced by defaults (the next save would throw the person's settings away).
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import { ApiError, SettingsSchema, type Settings, type SettingsUpdateSchema } from '../model/contract.ts';
import { Serial } from '../serial.ts';

export type SettingsChanges = z.output<typeof SettingsUpdateSchema>;

export class SettingsStore {
  private readonly serial = new Serial();
  /** Settings as last read or written (the engine reads the dev-cache switch from here). */
  private last: Settings = SettingsSchema.parse({});

  constructor(private readonly file: string) {}

  /** What was last read or written, without touching the disk. */
  get current(): Settings {
    return this.last;
  }

  async read(): Promise<Settings> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      this.last = SettingsSchema.parse({});
      return this.last;
    }
    try {
      this.last = SettingsSchema.parse(JSON.parse(text));
    } catch {
      throw new ApiError({ code: 'SETTINGS_DAMAGED', message: 'The settings file (settings.json in the data folder) cannot be read.', hint: 'Fix or delete that file; deleting it restores the defaults.' });
    }
    return this.last;
  }

  /** Changes only what `changes` names (notifications field by field). */
  update(changes: SettingsChanges): Promise<Settings> {
    return this.serial.run('settings', async () => {
      const before = await this.read();
      const next = SettingsSchema.parse({ ...before, ...changes, notifications: { ...before.notifications, ...changes.notifications } });
      this.last = next;
      await mkdir(dirname(this.file), { recursive: true });
      const tmp = `${this.file}.${randomUUID()}.tmp`;
      await writeFile(tmp, `${JSON.stringify(next, null, 2)}\n`);
      await rename(tmp, this.file);
      return next;
    });
  }
}
