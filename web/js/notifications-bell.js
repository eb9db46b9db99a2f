// notifications-bell.js — the bell in the header: how many of the signed-in person's
// notifications are unread (GET /api/v1/me/notifications/unread, a cheap call), and the
// way to the Notifications page.
//
// The link's accessible name carries the number ("Notifications, 3 unread"); the badge
// shows it to the eye (99+ beyond 99) and is hidden from screen readers, which already
// heard it in the name. The count is asked again on every navigation (the shell calls
// refresh) and every 60 seconds while the page is visible, and at once when a hidden tab
// comes back. A page that changes what is unread (marking read) sets the number itself
// with setBellUnread(), so the badge follows at once; an answer still on its way from
// before is then ignored. A failed call keeps the last number: the bell is a hint, never
// a reason to interrupt someone.

import { get } from './api.js';

const REFRESH_MS = 60_000;

let current = null; // the one bell the shell made

/** "Notifications, 3 unread" (or "Notifications"). */
export function bellLabel(unread) {
  return unread > 0 ? `Notifications, ${unread} unread` : 'Notifications';
}

/**
 * Makes the bell out of its link in the header (index.html). Returns
 * { start(), stop(), refresh(), set(n), setCurrent(path) }: start when someone signs in,
 * stop when they sign out (the bell hides and forgets the number).
 */
export function createBell(link) {
  const count = link.querySelector('[data-test="bell-count"]');
  let active = false;
  let timer = null;
  let inflight = null;
  let generation = 0;
  let unread = 0;

  function show(n) {
    unread = Number.isInteger(n) && n > 0 ? n : 0;
    link.setAttribute('aria-label', bellLabel(unread));
    link.dataset.unread = String(unread);
    count.textContent = unread > 99 ? '99+' : String(unread);
    count.hidden = unread === 0;
    link.classList.toggle('bell--unread', unread > 0);
  }

  function refresh() {
    if (!active) return Promise.resolve();
    if (inflight) return inflight;
    const mine = ++generation;
    inflight = get('/api/v1/me/notifications/unread')
      .then((res) => {
        if (active && mine === generation) show(res?.unread);
      })
      .catch(() => {
        // keep the last number; the next navigation or minute asks again
      })
      .finally(() => {
        inflight = null;
      });
    return inflight;
  }

  document.addEventListener('visibilitychange', () => {
    if (active && document.visibilityState === 'visible') refresh();
  });

  const bell = {
    start() {
      link.hidden = false;
      if (!active) {
        active = true;
        refresh();
      }
      if (!timer) {
        timer = setInterval(() => {
          if (document.visibilityState === 'visible') refresh();
        }, REFRESH_MS);
      }
    },
    stop() {
      active = false;
      generation++;
      clearInterval(timer);
      timer = null;
      link.hidden = true;
      show(0);
    },
    refresh,
    set(n) {
      generation++; // an answer from before this change is out of date
      show(n);
    },
    get unread() {
      return unread;
    },
    setCurrent(path) {
      if (path === '/notifications') link.setAttribute('aria-current', 'page');
      else link.removeAttribute('aria-current');
    },
  };
  show(0);
  current = bell;
  return bell;
}

/** Sets the bell's number (after marking read); does nothing before there is a bell. */
export function setBellUnread(n) {
  current?.set(n);
}

/** The bell's number as last known (0 without a bell). */
export function bellUnread() {
  return current?.unread ?? 0;
}
