/**
 * Electron's profile (userData, sessionData) and Flowkeeper's data folder never coincide, on any
 * platform (issue 15: on macOS and Windows Electron's default userData IS the data folder).
 */
import { posix, win32 } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultDataDir } from '../../engine/data-dir.ts';
import { electronProfileDir, isInside } from '../../electron/profile-dir.ts';
import { electronAppData, electronDefaultUserData } from './fixtures/electron-paths.ts';

const pkg = { name: 'flowkeeper', productName: 'Flowkeeper' };
const platforms: NodeJS.Platform[] = ['win32', 'darwin', 'linux'];
const envs: Record<string, NodeJS.ProcessEnv> = {
  win32: { APPDATA: 'C:\\Users\\Ann\\AppData\\Roaming' },
  darwin: {},
  linux: {},
  'linux with XDG folders': { XDG_CONFIG_HOME: '/home/ann/.config', XDG_DATA_HOME: '/home/ann/.config' },
};

describe.each(platforms)('on %s', (platform) => {
  const variants = Object.entries(envs).filter(([name]) => name.startsWith(platform));
  it.each(variants)('%s: the profile is apart from the default data folder', (_name, env) => {
    const dataDir = defaultDataDir(env, platform);
    const appData = electronAppData(env, platform);
    const profile = electronProfileDir({ appData, dataDir, platform });
    expect(isInside(profile, dataDir, platform), `${profile} vs ${dataDir}`).toBe(false);
    expect(isInside(dataDir, profile, platform), `${dataDir} vs ${profile}`).toBe(false);
    expect((platform === 'win32' ? win32 : posix).isAbsolute(profile)).toBe(true);
  });

  it('is apart from a data folder set to Electron’s default userData, in any letter case', () => {
    const env = envs[platform]!;
    const appData = electronAppData(env, platform);
    const electronDefault = electronDefaultUserData(env, platform, pkg);
    for (const dataDir of [electronDefault, electronDefault.toLowerCase(), `${appData}${platform === 'win32' ? '\\' : '/'}Flowkeeper Desktop`]) {
      const profile = electronProfileDir({ appData, dataDir, platform });
      expect(isInside(profile, dataDir, platform) || isInside(dataDir, profile, platform), `${profile} vs ${dataDir}`).toBe(false);
    }
  });

  it('never is, and never holds, a data folder that holds appData itself', () => {
    const env = envs[platform]!;
    const appData = electronAppData(env, platform);
    const home = (platform === 'win32' ? win32 : posix).dirname(appData);
    const profile = electronProfileDir({ appData, dataDir: home, platform });
    expect(isInside(home, profile, platform)).toBe(false);
    expect(profile).not.toBe(home);
  });
});

describe('the trap the profile folder avoids', () => {
  it('Electron’s default userData is the data folder on macOS and Windows', () => {
    const same = (a: string, b: string, platform: NodeJS.Platform) => isInside(a, b, platform) && isInside(b, a, platform);
    expect(same(electronDefaultUserData(envs.win32!, 'win32', pkg), defaultDataDir(envs.win32!, 'win32'), 'win32')).toBe(true);
    expect(same(electronDefaultUserData({}, 'darwin', pkg), defaultDataDir({}, 'darwin'), 'darwin')).toBe(true);
    expect(same(electronDefaultUserData({}, 'linux', pkg), defaultDataDir({}, 'linux'), 'linux')).toBe(false);
  });

  it('and on a case-insensitive disk the engine’s cache/ is Chromium’s Cache/', () => {
    expect(isInside('/Users/ann/Library/Application Support/Flowkeeper/Cache', '/Users/ann/Library/Application Support/Flowkeeper/cache', 'darwin')).toBe(true);
    expect(isInside('/home/ann/x/Cache', '/home/ann/x/cache', 'linux')).toBe(false);
  });
});
