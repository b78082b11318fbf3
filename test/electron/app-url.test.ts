/**
 * The page identity check (`isAppUrl`) against the URLs Chromium really reports for our page:
 * built the way Electron's loadFile builds them and canonicalized the way Chromium does
 * (fixtures/chromium-url.ts), for install folders whose names a URL spells differently from the
 * path. Issue 15: a text comparison with pathToFileURL refused every API call in such folders.
 */
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { filePathOfUrl, isAppUrl, resolveAppEntry, type AppEntry } from '../../electron/app-url.ts';
import { chromiumCanonicalUrl, electronLoadFileUrl } from './fixtures/chromium-url.ts';

const awkwardFolders = [
  '/home/ann/100%',
  '/home/ann/[work]',
  '/home/ann/{apps}',
  '/home/ann/a|b',
  '/home/ann/up^down',
  '/home/ann/back`tick',
  '/home/ann/My Apps',
  '/home/ann/Développement/日本語',
  '/home/ann/100% [x] {y} |^` z',
];

/** What the frame's URL is after `window.loadFile(entry.file)` in Electron. */
const frameUrlAfterLoadFile = (file: string) => chromiumCanonicalUrl(electronLoadFileUrl(file));

describe('Chromium file URLs (the stub’s model)', () => {
  it('escapes what Chromium escapes and leaves the rest', () => {
    expect(frameUrlAfterLoadFile('/home/ann/100% [x] {y} |^` z/é/index.html')).toBe('file:///home/ann/100%%20[x]%20%7By%7D%20%7C%5E%60%20z/%C3%A9/index.html');
    expect(frameUrlAfterLoadFile('/a/b#c?d/index.html')).toBe('file:///a/b%23c%3Fd/index.html');
    expect(chromiumCanonicalUrl('file:///x/%41%2e%7e/./y/../z')).toBe('file:///x/A.~/z');
    expect(frameUrlAfterLoadFile('c:\\Users\\Ann\\index.html')).toBe('file:///C:/Users/Ann/index.html');
  });

  it('differs from pathToFileURL for these folders (the trap)', () => {
    const differing = awkwardFolders.filter((folder) => frameUrlAfterLoadFile(`${folder}/index.html`) !== pathToFileURL(`${folder}/index.html`).href);
    // Node escapes `%` as %25 and `[` `]`; Chromium leaves a lone `%` and brackets as they are.
    expect(differing).toEqual(['/home/ann/100%', '/home/ann/[work]', '/home/ann/100% [x] {y} |^` z']);
  });
});

describe.each(awkwardFolders)('our page installed under %s', (folder) => {
  const entry = resolveAppEntry({ appDir: `${folder}/Flowkeeper/resources/app.asar/dist/electron`, isPackaged: true });
  const file = entry.kind === 'file' ? entry.file : '';

  it('is recognised from the URL Chromium reports after loadFile, and after loadURL(entry.url)', () => {
    expect(isAppUrl(entry, frameUrlAfterLoadFile(file), 'linux')).toBe(true);
    expect(isAppUrl(entry, `${frameUrlAfterLoadFile(file)}#/runs/run-1`, 'linux')).toBe(true);
    expect(isAppUrl(entry, chromiumCanonicalUrl(entry.url), 'linux')).toBe(true);
    expect(isAppUrl(entry, entry.url, 'linux')).toBe(true);
  });

  it('still refuses every other file', () => {
    expect(isAppUrl(entry, frameUrlAfterLoadFile(file.replace('index.html', 'other.html')), 'linux')).toBe(false);
    expect(isAppUrl(entry, frameUrlAfterLoadFile(file.replace('/Flowkeeper/', '/Flowkeeper2/')), 'linux')).toBe(false);
    expect(isAppUrl(entry, frameUrlAfterLoadFile(file.toUpperCase()), 'linux')).toBe(false);
    expect(isAppUrl(entry, frameUrlAfterLoadFile(file).replace('file:///', 'file://evil.example/'), 'linux')).toBe(false);
    expect(isAppUrl(entry, 'https://example.com/index.html', 'linux')).toBe(false);
  });
});

describe('on Windows', () => {
  const file = 'C:\\Users\\Ann\\100% [x] {y} |^`\\Programs\\Flowkeeper\\resources\\app.asar\\dist\\renderer\\index.html';
  const entry: AppEntry = { kind: 'file', file, url: pathToFileURL(file, { windows: true }).href };

  it('compares decoded paths, ignoring case (Chromium upper-cases the drive letter)', () => {
    expect(isAppUrl(entry, frameUrlAfterLoadFile(file), 'win32')).toBe(true);
    expect(isAppUrl(entry, frameUrlAfterLoadFile(file.replace('C:', 'c:')), 'win32')).toBe(true);
    expect(isAppUrl(entry, frameUrlAfterLoadFile(file.toLowerCase()), 'win32')).toBe(true);
    expect(isAppUrl(entry, chromiumCanonicalUrl(entry.url), 'win32')).toBe(true);
    expect(isAppUrl(entry, frameUrlAfterLoadFile(file.replace('index.html', 'other.html')), 'win32')).toBe(false);
    expect(isAppUrl(entry, frameUrlAfterLoadFile(file.replace('C:', 'D:')), 'win32')).toBe(false);
  });

  it('reads UNC paths with their server', () => {
    expect(filePathOfUrl(new URL('file://server/share/app/index.html'), 'win32')).toBe('\\\\server\\share\\app\\index.html');
    expect(filePathOfUrl(new URL('file://server/share/app/index.html'), 'linux')).toBeUndefined();
  });
});

describe('decoding', () => {
  it('decodes valid escapes as UTF-8, keeps a lone %, refuses an escaped slash', () => {
    expect(filePathOfUrl(new URL('file:///a/100%/%C3%A9%20b'), 'linux')).toBe('/a/100%/é b');
    expect(filePathOfUrl(new URL('file:///a%2Fb/index.html'), 'linux')).toBeUndefined();
    expect(filePathOfUrl(new URL('file:///C:/a%5Cb/index.html'), 'win32')).toBeUndefined();
    expect(filePathOfUrl(new URL('https://example.com/a'), 'linux')).toBeUndefined();
  });
});
