import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';

/** mermaid-cli as test/support/mermaid/install.sh puts it in the cache. */
export const MMDC = join(
  process.env.BF_CACHE || join(homedir(), '.cache/bf'),
  'mermaid-cli/v11/node_modules/.bin/mmdc',
);
/** Debian's headless Chromium, as install.sh puts it (apt). */
export const CHROMIUM = ['/usr/bin/chromium-headless-shell', '/usr/bin/chromium'].find((p) => existsSync(p));

/** Why the renderer is not available here, or undefined when it is. */
export function rendererMissing(): string | undefined {
  if (!existsSync(MMDC)) return `no ${MMDC}: run bash test/support/mermaid/install.sh`;
  if (!CHROMIUM) return 'no Chromium: run bash test/support/mermaid/install.sh';
  return undefined;
}

export interface Rendered {
  code: number;
  stderr: string;
  /** One SVG per ```mermaid block, in order. */
  svgs: string[];
}

/** Renders every Mermaid block of a Markdown document with Mermaid in headless Chromium (mmdc's Markdown mode). */
export function renderMarkdown(markdown: string): Promise<Rendered> {
  const dir = mkdtempSync(join(tmpdir(), 'bf-mermaid-'));
  writeFileSync(join(dir, 'in.md'), markdown);
  const pptr = join(dir, 'puppeteer.json');
  writeFileSync(
    pptr,
    JSON.stringify({ executablePath: CHROMIUM, headless: 'shell', args: ['--no-sandbox'] }),
  );
  return new Promise((done) => {
    execFile(
      MMDC,
      ['-q', '-p', pptr, '-i', join(dir, 'in.md'), '-o', join(dir, 'out.md'), '-e', 'svg'],
      { timeout: 120_000 },
      (err, _stdout, stderr) => {
        const svgs = readdirSync(dir)
          .filter((f) => /^out-\d+\.svg$/.test(f))
          .sort((a, b) => Number(a.match(/\d+/)![0]) - Number(b.match(/\d+/)![0]))
          .map((f) => readFileSync(join(dir, f), 'utf8'));
        done({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stderr, svgs });
      },
    );
  });
}
