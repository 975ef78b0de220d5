type TestResponse<T = any> = {
  status: number;
  headers: Headers;
  body: T;
  text: string;
};

type RequestOptions = {
  json?: unknown;
  body?: BodyInit;
  headers?: Record<string, string>;
};

/**
 * A small HTTP client that behaves like one browser profile: it keeps the
 * cookies the server sets and sends `Origin` on every request, as browsers
 * do for non-GET fetches.
 */
export class TestClient {
  readonly cookies = new Map<string, string>();

  constructor(
    readonly baseUrl: string,
    readonly origin: string | null,
  ) {}

  async request<T = any>(method: string, path: string, options: RequestOptions = {}): Promise<TestResponse<T>> {
    const headers: Record<string, string> = {};
    if (this.origin) headers.origin = this.origin;
    if (this.cookies.size > 0) {
      headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    }
    let body = options.body;
    if (options.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.json);
    }
    Object.assign(headers, options.headers);
    const res = await fetch(this.baseUrl + path, { method, headers, body, redirect: 'manual' });
    this.storeCookies(res.headers.getSetCookie());
    const text = await res.text();
    let parsed: unknown = text;
    if (res.headers.get('content-type')?.includes('application/json')) parsed = JSON.parse(text);
    return { status: res.status, headers: res.headers, body: parsed as T, text };
  }

  get = <T = any>(path: string, options?: RequestOptions) => this.request<T>('GET', path, options);
  post = <T = any>(path: string, json?: unknown, options?: RequestOptions) => this.request<T>('POST', path, { json, ...options });
  patch = <T = any>(path: string, json?: unknown, options?: RequestOptions) => this.request<T>('PATCH', path, { json, ...options });
  delete = <T = any>(path: string, options?: RequestOptions) => this.request<T>('DELETE', path, options);

  /** Signs up a new account and keeps its session cookie. */
  async signup(username: string, password = 'correct horse battery', displayName?: string) {
    const res = await this.post('/api/auth/signup', { username, password, displayName });
    if (res.status !== 201) throw new Error(`signup ${username} failed: ${res.status} ${res.text}`);
    return res.body.user as { id: number; username: string; displayName: string };
  }

  private storeCookies(setCookies: string[]) {
    for (const line of setCookies) {
      const [pair, ...attrs] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      const expired = attrs.some((a) => /^\s*max-age=0\s*$/i.test(a)) || value === '';
      if (expired) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }
}
