// api.js — the one way the web UI talks to the server.
//
// api(path, options) sends JSON (or a text body such as CSV, or a FormData of files),
// adds the CSRF token to state-changing requests once one is known (sign-in and GET
// /api/v1/me both return it), and turns Waymark's error shape
// {"error":{"code","message","details"}} into a thrown ApiError, so pages can show the
// server's message and put field details next to their fields. A network failure is an
// ApiError too (code "network_error", status 0), so callers handle one kind of error.
//
// The CSRF token lives only in this module's memory, never in localStorage: a reload asks
// /api/v1/me again, which hands it back. A 401 on a call that needs a session means the
// session ended (idle, expired, signed out elsewhere): the handler set with
// onSessionLost() is told, once per call, so the app can send the person to sign in and
// bring them back afterwards. Calls for which 401 is an ordinary answer (sign-in, "who am
// I?") pass { session: false }.

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

let csrfToken = null;
let sessionLost = null;

/** Remembers the CSRF token (null to forget it on sign-out). */
export function setCsrfToken(token) {
  csrfToken = token || null;
}

/** Sets fn(error) to be called when a call that needs a session gets 401. */
export function onSessionLost(fn) {
  sessionLost = fn;
}

export class ApiError extends Error {
  /**
   * @param {number} status HTTP status, 0 when the server could not be reached
   * @param {string} code machine-readable code, e.g. "validation_failed"
   * @param {string} message words for people
   * @param {Array<{field?: string, message: string}>} details per-field problems
   * @param {object} [extra] retryAfter (seconds, from a 429's Retry-After), body (the parsed
   *   error body, for answers that carry more than the error, such as an import report)
   */
  constructor(status, code, message, details = [], { retryAfter = null, body = null } = {}) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.details = details;
    this.retryAfter = retryAfter;
    this.body = body;
  }
}

/** Seconds from a Retry-After header (delta-seconds or an HTTP date); null when absent. */
function retryAfterSeconds(value) {
  if (!value) return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const when = Date.parse(value);
  return Number.isNaN(when) ? null : Math.max(0, Math.round((when - Date.now()) / 1000));
}

/**
 * Calls the server. path: "/api/v1/…" or "/healthz". options:
 *   method   default GET
 *   body     sent as JSON, unless contentType is given: then sent as-is with that type;
 *            a FormData is sent as multipart/form-data (files)
 *   query    an object of query parameters; empty, null and undefined values are left out
 *   headers, signal
 *   session  false when a 401 is an expected answer rather than a lost session
 * Resolves to the parsed JSON body (null when empty); throws ApiError for any non-2xx answer
 * or a network failure (an AbortError is rethrown as-is).
 */
export async function api(path, { method = 'GET', body, contentType, query, headers = {}, signal, session = true } = {}) {
  const upper = method.toUpperCase();
  const sent = { Accept: 'application/json', ...headers };
  const init = { method: upper, headers: sent, credentials: 'same-origin', signal };
  if (body !== undefined) {
    if (typeof FormData !== 'undefined' && body instanceof FormData) {
      init.body = body; // multipart: the browser writes Content-Type with its boundary
    } else if (contentType) {
      sent['Content-Type'] = contentType;
      init.body = body;
    } else {
      sent['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
  }
  if (csrfToken && !SAFE_METHODS.has(upper)) sent['X-CSRF-Token'] = csrfToken;
  let url = path;
  if (query) {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
    const qs = params.toString();
    if (qs) url += (url.includes('?') ? '&' : '?') + qs;
  }

  let res;
  try {
    res = await fetch(url, init);
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

  const extra = { retryAfter: retryAfterSeconds(res.headers.get('Retry-After')), body: data };
  const e = data && typeof data.error === 'object' && data.error;
  const error = e && typeof e.code === 'string'
    ? new ApiError(res.status, e.code, e.message || `The server answered ${res.status}.`, Array.isArray(e.details) ? e.details : [], extra)
    : new ApiError(res.status, `http_${res.status}`, `The server answered ${res.status} ${res.statusText}`.trim() + '.', [], extra);
  if (res.status === 401 && session && sessionLost) sessionLost(error);
  throw error;
}

export const get = (path, options) => api(path, { ...options, method: 'GET' });
export const post = (path, body, options) => api(path, { ...options, method: 'POST', body });
export const patch = (path, body, options) => api(path, { ...options, method: 'PATCH', body });
export const del = (path, options) => api(path, { ...options, method: 'DELETE' });
