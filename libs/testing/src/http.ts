// A small HTTP client for the integration tests: one call, its status, headers and parsed body.
import type { TokenPair } from '@vigil/contracts';

export interface Answer<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: T;
}

export type Auth =
  | { bearer: string }
  | { apiKey: string }
  | { basic: { user: string; password: string } }
  | { headers: Record<string, string> }
  | undefined;

export function authHeaders(auth: Auth): Record<string, string> {
  if (!auth) return {};
  if ('bearer' in auth) return { authorization: `Bearer ${auth.bearer}` };
  if ('apiKey' in auth) return { 'x-api-key': auth.apiKey };
  if ('basic' in auth)
    return { authorization: `Basic ${Buffer.from(`${auth.basic.user}:${auth.basic.password}`).toString('base64')}` };
  return auth.headers;
}

export async function call<T = Record<string, unknown>>(
  baseUrl: string,
  method: string,
  path: string,
  options: { auth?: Auth; body?: unknown; headers?: Record<string, string> } = {},
): Promise<Answer<T>> {
  const res = await fetch(`${baseUrl}${path}`, {
    method,
    headers: {
      ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...authHeaders(options.auth),
      ...options.headers,
    },
    ...(options.body !== undefined
      ? { body: typeof options.body === 'string' ? options.body : JSON.stringify(options.body) }
      : {}),
  });
  const text = await res.text();
  let body: unknown = text;
  if (text && res.headers.get('content-type')?.startsWith('application/json')) body = JSON.parse(text);
  return { status: res.status, headers: res.headers, body: body as T };
}

/** Signs in and returns the token pair; throws with the answer when sign-in fails. */
export async function login(baseUrl: string, email: string, password: string, tenant?: string): Promise<TokenPair> {
  const answer = await call<TokenPair>(baseUrl, 'POST', '/api/v1/auth/login', {
    body: { email, password, ...(tenant ? { tenant } : {}) },
  });
  if (answer.status !== 200)
    throw new Error(`sign-in of ${email} failed: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body;
}

/** Creates an API key as `auth` (an admin) and returns its one-time secret and id. */
export async function createApiKey(
  baseUrl: string,
  auth: Auth,
  name: string,
  scopes: string[],
): Promise<{ id: string; key: string; prefix: string; scopes: string[] }> {
  const answer = await call<{ id: string; key: string; prefix: string; scopes: string[] }>(
    baseUrl,
    'POST',
    '/api/v1/api-keys',
    { auth, body: { name, scopes } },
  );
  if (answer.status !== 201)
    throw new Error(`creating API key ${name} failed: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body;
}
