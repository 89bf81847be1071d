/** Types of bin/bundled.js (plain JavaScript, loaded before any TypeScript). */
export declare const BUNDLE_MANIFEST: string;
export declare function sourcesDigest(
  root: URL,
  paths: readonly string[],
  read?: (path: string) => Buffer | string,
): string;
export declare function bundledCli(root: URL): string | null;
