import { request } from 'undici';
import { BfError } from '../util/errors.ts';

/**
 * A client of SeaweedFS's admin UI (the stack's `s3-console`), as a browser uses it: the login form (session cookie
 * + CSRF token from the form), then the pages and JSON endpoints behind it. The readiness check logs in with the S3
 * credentials and lists the buckets; tests also read the file browser.
 */
export class S3ConsoleSession {
  readonly url: string;
  private cookie = '';

  private constructor(url: string) {
    this.url = url.replace(/\/$/, '');
  }

  /** Logs in; throws BfError naming the console when the credentials are refused or the UI does not answer. */
  static async login(
    url: string,
    user: string,
    password: string,
    timeoutMs = 3000,
  ): Promise<S3ConsoleSession> {
    const s = new S3ConsoleSession(url);
    const page = await s.get('/login', timeoutMs);
    if (page.status !== 200) throw new BfError(`S3 console at ${s.url}: /login answered HTTP ${page.status}`);
    const csrf = /name="csrf_token"\s+value="([^"]*)"/.exec(page.text)?.[1] ?? '';
    const form = new URLSearchParams({ username: user, password, csrf_token: csrf });
    const res = await request(`${s.url}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: s.cookie },
      body: form.toString(),
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      signal: AbortSignal.timeout(timeoutMs),
    });
    await res.body.dump();
    s.keepCookie(res.headers['set-cookie']);
    const location = String(res.headers.location ?? '');
    if (res.statusCode >= 400 || location.includes('/login')) {
      const why = decodeURIComponent(/error=([^&]*)/.exec(location)?.[1] ?? `HTTP ${res.statusCode}`);
      throw new BfError(`S3 console at ${s.url}: login as ${user} refused (${why})`, {
        hint: 'the console takes the S3 credentials: MINIO_ROOT_USER / MINIO_ROOT_PASSWORD',
      });
    }
    return s;
  }

  /** Bucket names the console shows. */
  async buckets(timeoutMs = 3000): Promise<string[]> {
    const res = await this.get('/api/s3/buckets', timeoutMs);
    if (res.status !== 200)
      throw new BfError(`S3 console at ${this.url}: bucket list answered HTTP ${res.status}`);
    const body = JSON.parse(res.text) as { buckets?: { name?: string; Name?: string }[] };
    return (body.buckets ?? []).map((b) => String(b.name ?? b.Name ?? ''));
  }

  /** GET with the session cookie; redirects are not followed (a redirect to /login means logged out). */
  async get(path: string, timeoutMs = 3000): Promise<{ status: number; text: string; location: string }> {
    const res = await request(`${this.url}${path}`, {
      headers: this.cookie ? { cookie: this.cookie } : {},
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      signal: AbortSignal.timeout(timeoutMs),
    });
    this.keepCookie(res.headers['set-cookie']);
    const text = await res.body.text();
    return { status: res.statusCode, text, location: String(res.headers.location ?? '') };
  }

  private keepCookie(header: string | string[] | undefined): void {
    const list = header === undefined ? [] : Array.isArray(header) ? header : [header];
    const jar = new Map(
      this.cookie
        .split('; ')
        .filter(Boolean)
        .map((c) => [c.split('=')[0], c] as const),
    );
    for (const h of list) {
      const pair = h.split(';')[0]?.trim();
      if (pair) jar.set(pair.split('=')[0], pair);
    }
    this.cookie = [...jar.values()].join('; ');
  }
}
