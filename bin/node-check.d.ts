/** Types of bin/node-check.js (plain JavaScript so that any Node can run it). */
export declare const MIN_NODE_MAJOR: number;
export declare function howToGetNode(platform: string, arch: string): string;
export declare function nodeVersionProblem(
  version: string,
  platform: string,
  arch: string,
): string | undefined;
