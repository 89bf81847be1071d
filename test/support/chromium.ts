import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CHROMIUM } from './mermaid/render.ts';

/**
 * Headless Chromium driven by Puppeteer, for tests that look at a page's real layout. Both come from what
 * test/support/mermaid/install.sh provisions (Debian's chromium-headless-shell; Puppeteer as mermaid-cli's own
 * dependency in the cache), so nothing is added to the project's dependencies and no browser is downloaded.
 */
const PUPPETEER = join(
  process.env.BF_CACHE || join(homedir(), '.cache/bf'),
  'mermaid-cli/v11/node_modules/puppeteer/lib/puppeteer/puppeteer.js',
);

/** Why a browser cannot be started here, or undefined when it can. */
export function chromiumMissing(): string | undefined {
  if (!CHROMIUM) return 'no Chromium: run bash test/support/mermaid/install.sh';
  if (!existsSync(PUPPETEER)) return `no ${PUPPETEER}: run bash test/support/mermaid/install.sh`;
  return undefined;
}

/** The part of Puppeteer's API the tests use. */
export interface Page {
  setViewport(v: { width: number; height: number; deviceScaleFactor?: number }): Promise<void>;
  setBypassCSP(on: boolean): Promise<void>;
  goto(url: string, opts?: { waitUntil?: string; timeout?: number }): Promise<unknown>;
  /** A script (its completion value is returned) or a function, run in the page. */
  evaluate<T>(script: string | (() => T)): Promise<T>;
  screenshot(opts: { path: string; fullPage?: boolean }): Promise<unknown>;
  $(selector: string): Promise<{ screenshot(opts: { path: string }): Promise<unknown> } | null>;
}
export interface Browser {
  newPage(): Promise<Page>;
  close(): Promise<void>;
}

export async function launchChromium(): Promise<Browser> {
  const missing = chromiumMissing();
  if (missing) throw new Error(missing);
  const { default: puppeteer } = (await import(pathToFileURL(PUPPETEER).href)) as {
    default: { launch(opts: Record<string, unknown>): Promise<Browser> };
  };
  return puppeteer.launch({ executablePath: CHROMIUM, headless: 'shell', args: ['--no-sandbox'] });
}
