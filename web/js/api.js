// api.js — the one way the web UI talks to the server.
//
// api(path, options) sends JSON, adds the CSRF token to state-changing requests once one is
// known (the login response carries it), and turns Waymark's error shape
// {"error":{"code","message","details"}} into a thrown ApiError, so pages can show the
// server's message and put field details next to their fields. A network failure is an
// ApiError too (code "network_error", status 0), so callers handle one kind of error.

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

let csrfToken = null;

/** Remembers the CSRF token from the login response (null to forget it on logout). */
export function setCsrfToken(token) {
  csrfToken = token || null;
}

export class ApiError extends Error {
  /**
   * @param {number} status HTTP status, 0 when the server could not be reached
   * @param {string} code machine-readable code, e.g. "validation_failed"
   * @param {string} message words for people
   * @param {Array<{field?: string, message: string}>} details per-field problems
   */
  constructor(status, code, message, details = []) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

/**
 * Calls the server. path: "/api/v1/…" or "/healthz". options: method (default GET),
 * body (sent as JSON), headers, signal. Resolves to the parsed JSON body (null when empty);
 * throws ApiError for any non-2xx answer or a network failure.
 */
export async function api(path, { method = 'GET', body, headers = {}, signal } = {}) {
  const upper = method.toUpperCase();
  const sent = { Accept: 'application/json', ...headers };
  const init = { method: upper, headers: sent, credentials: 'same-origin', signal };
  if (body !== undefined) {
    sent['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  if (csrfToken && !SAFE_METHODS.has(upper)) sent['X-CSRF-Token'] = csrfToken;

  let res;
  try {
    res = await fetch(path, init);
  } catch (err) {
    if (err.name === 'AbortError') throw err;
    throw new ApiError(0, 'network_error', 'Waymark could not reach its server. Check your connection and try again.');
  }

  const type = res.headers.get('Content-Type') || '';
  const text = upper === 'HEAD' || res.status === 204 ? '' : await res.text();
  let data = null;
  if (text && type.startsWith('application/json')) {
    try {
      data = JSON.parse(text);
    } catch {
      throw new ApiError(res.status, 'bad_response', 'The server sent an answer Waymark could not read.');
    }
  }
  if (res.ok) return data;

  const e = data && typeof data.error === 'object' && data.error;
  if (e && typeof e.code === 'string')
    throw new ApiError(res.status, e.code, e.message || `The server answered ${res.status}.`, Array.isArray(e.details) ? e.details : []);
  throw new ApiError(res.status, `http_${res.status}`, `The server answered ${res.status} ${res.statusText}`.trim() + '.');
}

export const get = (path, options) => api(path, { ...options, method: 'GET' });
export const post = (path, body, options) => api(path, { ...options, method: 'POST', body });
export const patch = (path, body, options) => api(path, { ...options, method: 'PATCH', body });
export const del = (path, options) => api(path, { ...options, method: 'DELETE' });
