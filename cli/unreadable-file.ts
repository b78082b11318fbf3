/**
 * Why a file named on the command line could not be read, in words with what to do — the person
 * typed the path, so an errno code (ENOENT) alone tells them nothing.
 */
export function unreadableFileWhy(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') return 'there is no such file. Check the name and folder (ls shows what is here)';
  if (code === 'EACCES' || code === 'EPERM') return 'this user may not read it. Copy it somewhere you may read, or ask for its permissions to be changed';
  if (code === 'EISDIR') return 'it is a folder. Name the .fkbundle file inside it';
  return error instanceof Error ? error.message : String(error);
}
