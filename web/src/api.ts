// The one way the web app talks to the server: same-origin fetch, JSON in and out, CSRF header on writes,
// and a typed ApiError for every failure (the server's `{ error, message, issues }` shape).

export interface ApiIssue {
  path: string;
  message: string;
  code?: string;
}

/** Error ids the UI has its own words for (see `errors` in the i18n files). */
export const KNOWN_ERROR_IDS = [
  'validation_failed',
  'malformed_json',
  'invalid_id',
  'constraint_violation',
  'invalid_credentials',
  'unauthenticated',
  'session_expired',
  'invalid_token',
  'invalid_pin',
  'csrf_token_missing',
  'csrf_token_invalid',
  'forbidden',
  'out_of_scope',
  'child_mode',
  'account_disabled',
  'not_found',
  'route_not_found',
  'method_not_allowed',
  'already_exists',
  'conflict',
  'invitation_invalid',
  // points bank (words in pages/points/messages.ts)
  'points_idempotency_conflict',
  'points_cap_exceeded',
  'points_insufficient_balance',
  'points_already_reversed',
  'points_not_reversible',
  'points_rule_unknown',
  'points_no_term',
  'points_date_out_of_range',
  'points_self_award',
  'points_not_family_guardian',
  'points_rating_duplicate',
  'points_reward_unavailable',
  'points_out_of_stock',
  'points_redemption_limit',
  'points_photo_invalid',
  'points_version_conflict',
  'payload_too_large',
  'unsupported_media_type',
  'too_many_attempts',
  'internal_error',
  'database_unavailable',
  // the walking-time engine (/api/reach)
  'point_outside_graph',
  'no_route',
  'invalid_minutes',
  'invalid_argument',
  'no_district_boundary',
  // produced by this client, not the server
  'network_error',
  'bad_response',
] as const;
export type KnownErrorId = (typeof KNOWN_ERROR_IDS)[number];

export class ApiError extends Error {
  readonly status: number;
  /** Stable snake_case id from the server (or `network_error` / `bad_response` from this client). */
  readonly id: string;
  readonly issues: ApiIssue[];
  /** Seconds to wait, when the server sent Retry-After (rate limits). */
  readonly retryAfter: number | null;

  constructor(status: number, id: string, message: string, issues: ApiIssue[] = [], retryAfter: number | null = null) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.id = id;
    this.issues = issues;
    this.retryAfter = retryAfter;
  }

  get known(): boolean {
    return (KNOWN_ERROR_IDS as readonly string[]).includes(this.id);
  }
}

export function isApiError(error: unknown): error is ApiError {
  return error instanceof ApiError;
}

let csrfToken: string | null = null;
let onAuthLost: (() => void) | null = null;
let onChildModeMismatch: (() => void) | null = null;

/** Called by the session provider whenever the session changes. */
export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** Called when the server says the session is gone (so the app can send the user to sign in). */
export function setAuthLostHandler(handler: (() => void) | null): void {
  onAuthLost = handler;
}

/** Called when the server refuses a request because the session is in child mode. */
export function setChildModeHandler(handler: (() => void) | null): void {
  onChildModeMismatch = handler;
}

type Query = Record<string, string | number | boolean | null | undefined>;

export function withQuery(path: string, query?: Query): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === '') continue;
    params.set(key, String(value));
  }
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** Endpoints whose 401 means "wrong input", not "your session is gone". */
const AUTH_FORM_PATHS = ['/api/auth/sign-in', '/api/auth/register', '/api/auth/child-mode', '/api/auth/session'];

async function parseError(response: Response): Promise<ApiError> {
  const retryHeader = response.headers.get('retry-after');
  const retryAfter = retryHeader && /^\d+$/.test(retryHeader) ? Number(retryHeader) : null;
  let body: unknown = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  if (body && typeof body === 'object' && typeof (body as { error?: unknown }).error === 'string') {
    const b = body as { error: string; message?: unknown; issues?: unknown };
    const issues = Array.isArray(b.issues)
      ? b.issues
          .filter((i): i is ApiIssue => !!i && typeof i === 'object' && typeof (i as ApiIssue).message === 'string')
          .map((i) => ({ path: String(i.path ?? ''), message: i.message, code: i.code }))
      : [];
    return new ApiError(response.status, b.error, typeof b.message === 'string' ? b.message : b.error, issues, retryAfter);
  }
  return new ApiError(response.status, 'bad_response', `HTTP ${response.status} ${response.statusText}`, [], retryAfter);
}

export async function request<T>(method: string, path: string, body?: unknown, init: { signal?: AbortSignal } = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  // A Blob (a file picked by the user) is sent as the raw body with its own type; anything else as JSON.
  const raw = typeof Blob !== 'undefined' && body instanceof Blob;
  if (body !== undefined) headers['content-type'] = raw ? body.type || 'application/octet-stream' : 'application/json';
  if (WRITE_METHODS.has(method) && csrfToken) headers['x-csrf-token'] = csrfToken;

  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : raw ? body : JSON.stringify(body),
      credentials: 'same-origin',
      signal: init.signal,
    });
  } catch (error) {
    if ((error as { name?: string })?.name === 'AbortError') throw error;
    throw new ApiError(0, 'network_error', error instanceof Error ? error.message : String(error));
  }

  if (!response.ok) {
    const error = await parseError(response);
    const isAuthForm = AUTH_FORM_PATHS.some((p) => path.startsWith(p));
    if (response.status === 401 && !isAuthForm && (error.id === 'unauthenticated' || error.id === 'session_expired')) {
      onAuthLost?.();
    }
    if (error.id === 'child_mode') onChildModeMismatch?.();
    throw error;
  }
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  if (!text) return undefined as T;
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new ApiError(response.status, 'bad_response', 'The server sent a response that is not JSON.');
  }
}

export const api = {
  get: <T>(path: string, query?: Query, init?: { signal?: AbortSignal }) => request<T>('GET', withQuery(path, query), undefined, init),
  post: <T>(path: string, body?: unknown) => request<T>('POST', path, body),
  patch: <T>(path: string, body: unknown) => request<T>('PATCH', path, body),
  put: <T>(path: string, body: unknown) => request<T>('PUT', path, body),
  /** Sends a file as the raw request body (uploads), with the file's own Content-Type. */
  upload: <T>(path: string, file: Blob) => request<T>('POST', path, file),
  delete: <T = void>(path: string) => request<T>('DELETE', path),
};
