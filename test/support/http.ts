import { createApp } from '../../src/server/app.ts';
import type { Config } from '../../src/server/config.ts';
import type { Database } from '../../src/server/db/database.ts';
import { createServices } from '../../src/server/services.ts';

export type TestApp = ReturnType<typeof createApp>;

export function buildTestApp(database: Database, config: Config, options: Parameters<typeof createServices>[2] = {}): TestApp {
  return createApp({ services: createServices(database, config, options), config });
}

export interface TestResponse<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

/**
 * A browser-like client for in-process requests: keeps the session cookie and sends the CSRF token on writes,
 * like the web app does.
 */
export class TestClient {
  cookie: string | null = null;
  csrfToken: string | null = null;
  bearer: string | null = null;

  constructor(private readonly app: TestApp) {}

  static async signedIn(app: TestApp, login: string, password: string): Promise<TestClient> {
    const client = new TestClient(app);
    const response = await client.post('/api/auth/sign-in', { login, password });
    if (response.status !== 200) throw new Error(`sign-in as ${login} failed: ${response.status} ${JSON.stringify(response.body)}`);
    return client;
  }

  get(path: string) {
    return this.request('GET', path);
  }
  post(path: string, body?: unknown) {
    return this.request('POST', path, body);
  }
  patch(path: string, body?: unknown) {
    return this.request('PATCH', path, body);
  }
  delete(path: string) {
    return this.request('DELETE', path);
  }

  /** A GET whose answer is kept as the raw Response (files: bytes, ranges, caching headers). */
  async fetch(path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Response> {
    const all: Record<string, string> = { ...headers };
    if (this.cookie) all.cookie = this.cookie;
    if (this.bearer) all.authorization = `Bearer ${this.bearer}`;
    return this.app.request(path, { method, headers: all });
  }

  async request(method: string, path: string, body?: unknown, options: { headers?: Record<string, string>; rawBody?: string | Uint8Array; csrf?: boolean } = {}): Promise<TestResponse> {
    const headers: Record<string, string> = { ...(options.headers ?? {}) };
    if (this.cookie) headers.cookie = this.cookie;
    if (this.bearer) headers.authorization = `Bearer ${this.bearer}`;
    if (method !== 'GET' && this.csrfToken && options.csrf !== false) headers['x-csrf-token'] = this.csrfToken;
    let payload: string | Uint8Array | undefined;
    if (options.rawBody !== undefined) payload = options.rawBody;
    else if (body !== undefined) payload = JSON.stringify(body);
    if (payload !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
    if (payload !== undefined) headers['content-length'] = String(Buffer.byteLength(payload));
    const response = await this.app.request(path, { method, headers, body: payload as BodyInit | undefined });
    const setCookie = response.headers.get('set-cookie');
    if (setCookie) {
      const match = /coedu_session=([^;]*)/.exec(setCookie);
      if (match) this.cookie = match[1] ? `coedu_session=${match[1]}` : null;
    }
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // not JSON (e.g. HTML); keep the text
    }
    if (parsed && typeof parsed === 'object' && 'csrfToken' in parsed && typeof (parsed as { csrfToken: unknown }).csrfToken === 'string') {
      const token = (parsed as { csrfToken: string }).csrfToken;
      if (token) this.csrfToken = token;
    }
    return { status: response.status, body: parsed as any, headers: response.headers };
  }
}
