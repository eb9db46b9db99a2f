// people-data.js — what pages need to show people: role names in words, the people API
// calls they share, and a small cache of names for "reports to" columns.
//
// The API returns users with manager_id only; lists show the manager's name, so names are
// looked up by id (GET /api/v1/users/{id}) once per page, in parallel, and remembered for
// the life of the page. A manager the reader may not see is shown as nothing rather than
// as an error: it is a detail of the row, not the row.

import { get } from './api.js';

/** The roles an administrator can give, in the order they are shown, with plain words. */
export const ROLES = [
  { value: 'admin', label: 'Administrator', hint: 'Manages people, settings and everything in the organisation.' },
  { value: 'designer', label: 'Designer', hint: 'Designs workflows and reads their reports.' },
  { value: 'assessor', label: 'Assessor', hint: 'Judges evidence for qualifications.' },
  { value: 'coach', label: 'Coach', hint: 'Supports the learners assigned to them.' },
];

const ROLE_WORDS = { admin: 'Administrator', designer: 'Designer', assessor: 'Assessor', coach: 'Coach', learner: 'Learner' };

/** "Administrator, Coach" — every role but learner (everyone is one); "Learner" when that is all. */
export function rolesInWords(roles = []) {
  const shown = roles.filter((r) => r !== 'learner').map((r) => ROLE_WORDS[r] || r);
  return shown.length ? shown.join(', ') : 'Learner';
}

/** A page-lifetime cache: name(id) resolves to { id, name, email } or null (not visible). */
export function createNameCache(signal) {
  const known = new Map();
  return {
    remember(user) {
      if (user?.id) known.set(user.id, Promise.resolve(user));
    },
    lookup(id) {
      if (!id) return Promise.resolve(null);
      if (!known.has(id)) {
        known.set(id, get(`/api/v1/users/${encodeURIComponent(id)}`, { signal })
          .then((res) => res?.user || res)
          .catch((err) => {
            if (err.name === 'AbortError') throw err;
            return null;
          }));
      }
      return known.get(id);
    },
  };
}
