/**
 * Copying text for the "Copy" buttons, with a sentence for the person when it fails (the desktop
 * app once denied the clipboard permission and the button did nothing, silently). The clipboard
 * is passed in, so this is testable without a browser.
 */
export interface ClipboardLike {
  writeText(text: string): Promise<void>;
}

export type CopyResult = { ok: true } | { ok: false; message: string };

export const COPY_FAILED_MESSAGE = 'Could not copy to the clipboard. Select the text and copy it with Ctrl+C (⌘C on a Mac).';

export async function copyText(text: string, clipboard: ClipboardLike | undefined): Promise<CopyResult> {
  // No clipboard at all: a page that is not a secure context (e.g. the web bridge opened by a
  // LAN address) has no navigator.clipboard.
  if (!clipboard) return { ok: false, message: COPY_FAILED_MESSAGE };
  try {
    await clipboard.writeText(text);
    return { ok: true };
  } catch {
    return { ok: false, message: COPY_FAILED_MESSAGE };
  }
}
