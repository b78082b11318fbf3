/** The catalogue's icon names as small line drawings (one path each; unknown names get a dot). */
const PATHS: Record<string, string> = {
  clock: 'M12 3a9 9 0 1 0 0 18 9 9 0 0 0 0-18zM12 7v5l3 2',
  filter: 'M4 5h16l-6 8v6l-4-2v-4z',
  'git-branch': 'M6 3v12M18 9a3 3 0 1 0 0-.01M6 21a3 3 0 1 0 0-.01M18 9c0 6-12 3-12 9',
  globe: 'M12 3a9 9 0 1 0 0 18 9 9 0 0 0 0-18zM3 12h18M12 3c3 3 3 15 0 18M12 3c-3 3-3 15 0 18',
  merge: 'M6 3v6l6 6v6M18 3v6l-6 6',
  pencil: 'M4 20l4-1 11-11-3-3L5 16zM14 6l3 3',
  play: 'M7 4l12 8-12 8z',
  shuffle: 'M3 7h4l10 10h4M3 17h4l3-3M14 10l3-3h4M18 4l3 3-3 3M18 14l3 3-3 3',
  signpost: 'M12 3v18M5 6h11l3 3-3 3H5zM19 14H9l-3 3 3 3h10',
  sparkles: 'M12 3l2 6 6 2-6 2-2 6-2-6-6-2 6-2zM19 3v4M17 5h4',
  split: 'M12 3v7M12 10l-6 7M12 10l6 7M4 20h4M16 20h4',
};

export function NodeIcon({ name, size = 16 }: { name: string; size?: number }) {
  return (
    <svg viewBox="0 0 24 24" width={size} height={size} aria-hidden="true" className="node-icon">
      <path d={PATHS[name] ?? 'M12 9a3 3 0 1 0 0 6 3 3 0 0 0 0-6z'} />
    </svg>
  );
}
