/** The catalogue's icon names as small line drawings (one path each; unknown names get a dot). */
import type { CSSProperties } from 'react';

const PATHS: Record<string, string> = {
  clock: 'M12 3a9 9 0 1 0 0 18 9 9 0 0 0 0-18zM12 7v5l3 2',
  database: 'M4 6c0-4 16-4 16 0v12c0 4-16 4-16 0zM4 6c0 4 16 4 16 0M4 12c0 4 16 4 16 0',
  'file-input': 'M6 3h8l4 4v14H6zM14 3v4h4M9 14h6M12 11l3 3-3 3',
  'file-output': 'M6 3h8l4 4v14H6zM14 3v4h4M15 14H9M12 11l-3 3 3 3',
  folder: 'M3 6h6l2 2h10v11H3z',
  inbox: 'M3 13l3-8h12l3 8v6H3zM3 13h5l1 2h6l1-2h5',
  mail: 'M3 6h18v12H3zM3 6l9 7 9-7',
  'message-square': 'M4 4h16v12H9l-5 4z',
  refresh: 'M20 12a8 8 0 1 1-3-6.2M20 4v5h-5',
  table: 'M3 5h18v14H3zM3 10h18M3 15h18M9 5v14',
  'user-check': 'M9 11a4 4 0 1 0 0-8 4 4 0 0 0 0 8zM2 21c0-4 3-7 7-7s7 3 7 7M16 11l2 2 4-4',
  webhook: 'M12 4a4 4 0 0 0-3.5 6L5 16M12 4a4 4 0 0 1 3.5 6L19 16M5 16a3 3 0 1 0 .01 0M19 16a3 3 0 1 0 .01 0M8 19h8',
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

const DOT = 'M12 9a3 3 0 1 0 0 6 3 3 0 0 0 0-6z';

export function NodeIcon({ name, size = 16 }: { name: string; size?: number }) {
  return (
    <svg viewBox="0 0 24 24" width={size} height={size} aria-hidden="true" className="node-icon">
      <path d={PATHS[name] ?? DOT} />
    </svg>
  );
}

/*
 * The accent colour of styles.css (light and dark), baked into the card icon's image: a CSS
 * background image cannot use currentColor.
 */
const ACCENT = { light: '#4b57d1', dark: '#7c86f0' };
const urls = new Map<string, { light: string; dark: string }>();

function iconUrls(name: string): { light: string; dark: string } {
  let hit = urls.get(name);
  if (!hit) {
    const url = (color: string) =>
      `url("data:image/svg+xml,${encodeURIComponent(`<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 24 24' fill='none' stroke='${color}' stroke-width='1.8' stroke-linecap='round' stroke-linejoin='round'><path d='${PATHS[name] ?? DOT}'/></svg>`)}")`;
    hit = { light: url(ACCENT.light), dark: url(ACCENT.dark) };
    urls.set(name, hit);
  }
  return hit;
}

/**
 * The icon on a canvas card: the same drawing as NodeIcon, as a background image. An inline
 * <svg> is its own clip and transform (its viewBox) to the browser, which with 1,000 cards adds
 * thousands of paint chunks re-layerized on every pan and drag frame; an image is one draw.
 */
export function CardIcon({ name }: { name: string }) {
  return <span className="node-card-icon" aria-hidden="true" style={cardIconStyle(name)} />;
}

const styles = new Map<string, CSSProperties>();

/**
 * The card icon's image as style for an element that draws it as its background (the canvas card
 * puts it on its name, one element less per card); one object per icon name.
 */
export function cardIconStyle(name: string): CSSProperties {
  let style = styles.get(name);
  if (!style) {
    const { light, dark } = iconUrls(name);
    style = { '--icon-light': light, '--icon-dark': dark } as CSSProperties;
    styles.set(name, style);
  }
  return style;
}
