/** Types for cli/bundle.js (plain JavaScript, because it runs before TypeScript can be loaded). */
export interface BundleLayout {
  /** The checkout's root folder. */
  root: string;
  /** Where the bundle, its chunks and inputs.json go (dist/cli). */
  outDir: string;
  /** The entry source (cli/main.ts). */
  entry: string;
}
export function bundleLayout(root?: string): BundleLayout;
export function benchLayout(root?: string): BundleLayout;
export function freshBundle(layout?: BundleLayout): string | undefined;
export function buildBundle(layout?: BundleLayout): Promise<string>;
