// session.js — who is signed in, and what they may see.
//
// The server is the authority: it keeps the session in an HttpOnly cookie the page cannot
// read, so "am I signed in?" is answered by GET /api/v1/me, once at start-up and after
// sign-in. The answer (user, tenant, is_manager) is kept here in memory for the shell and
// the pages; its csrf_token goes to api.js. Nothing is written to localStorage or
// sessionStorage. The checks below only decide what to show: the server refuses whatever
// a person may not do, whatever the page shows.

import { get, post, setCsrfToken } from './api.js';

let current = null;
const listeners = new Set();

/** The signed-in session { user, tenant, is_manager }, or null. */
export function currentSession() {
  return current;
}

/** Calls fn(session) whenever the session changes (sign-in, sign-out, reload). */
export function onSessionChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

function set(session) {
  current = session;
  for (const fn of listeners) fn(current);
}

/**
 * Asks the server who is signed in. Resolves to the session, or null when nobody is (401).
 * Other failures (server down) are thrown as ApiError for the caller to show.
 */
export async function loadSession({ signal } = {}) {
  try {
    const me = await get('/api/v1/me', { signal, session: false });
    setCsrfToken(me?.csrf_token);
    set({ user: me.user, tenant: me.tenant || null, is_manager: Boolean(me.is_manager) });
  } catch (err) {
    if (err.status !== 401) throw err;
    setCsrfToken(null);
    set(null);
  }
  return current;
}

/**
 * Signs in; resolves to the session. Throws ApiError as the server answered: 401 wrong
 * email or password, 422 (a tenant is needed, or bad input), 429 with retryAfter.
 */
export async function signIn({ email, password, tenant }) {
  const body = { email, password };
  if (tenant) body.tenant = tenant;
  const res = await post('/api/v1/auth/login', body, { session: false });
  setCsrfToken(res?.csrf_token);
  return loadSession();
}

/** Signs out. The local session is forgotten even if the server could not be told. */
export async function signOut() {
  try {
    await post('/api/v1/auth/logout', undefined, { session: false });
  } finally {
    forgetSession();
  }
}

/** Replaces the session's organisation (after its settings change): the shell follows at once. */
export function updateTenant(tenant) {
  if (current && tenant) set({ ...current, tenant });
}

/** Forgets the local session without telling the server (it already ended there). */
export function forgetSession() {
  setCsrfToken(null);
  if (current) set(null);
}

/** True when the signed-in user has role (admin, designer, assessor, coach, learner). */
export function hasRole(session, role) {
  return Boolean(session?.user?.roles?.includes(role));
}

/** May see the People page: admins manage people; managers, designers and coaches read. */
export function canSeePeople(session) {
  return hasRole(session, 'admin') || hasRole(session, 'designer') || hasRole(session, 'coach') || Boolean(session?.is_manager);
}

/** May create, change, deactivate and import people. */
export function canManagePeople(session) {
  return hasRole(session, 'admin');
}

/** May see groups: admins manage them; designers read them (to enrol groups). */
export function canSeeGroups(session) {
  return hasRole(session, 'admin') || hasRole(session, 'designer');
}

/** May create, change and delete groups and their members. */
export function canManageGroups(session) {
  return hasRole(session, 'admin');
}

/** May read the audit log. */
export function canSeeAudit(session) {
  return hasRole(session, 'admin');
}

/** May design workflows: drafts, phases, steps, publishing, versions (admins and designers). */
export function canDesignWorkflows(session) {
  return hasRole(session, 'admin') || hasRole(session, 'designer');
}

/**
 * Signs off steps: managers sign off their reports' manager steps, coaches the coach steps
 * of the enrolments they coach. Their navigation has "Sign-offs".
 */
export function canSignOff(session) {
  return hasRole(session, 'coach') || Boolean(session?.is_manager);
}

/** Has "My team" in their navigation: someone reports to them (anyone may open /team). */
export function canSeeTeam(session) {
  return Boolean(session?.is_manager);
}

/** May pause, resume and withdraw enrolments (managers only for people below them). */
export function canChangeEnrolments(session) {
  return canDesignWorkflows(session) || Boolean(session?.is_manager);
}

/** May change the organisation's settings and branding (the Settings page). */
export function canManageOrganisation(session) {
  return hasRole(session, 'admin');
}

/**
 * The path to go to after sign-in: next when it is a path inside this app (never another
 * site, "//host" or the sign-in and welcome pages themselves), else null.
 */
export function safeNext(next) {
  if (typeof next !== 'string' || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return null;
  if (next === '/signin' || next.startsWith('/signin?') || next.startsWith('/welcome')) return null;
  return next;
}
