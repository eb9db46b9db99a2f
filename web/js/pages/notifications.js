// pages/notifications.js — the signed-in person's notifications (/notifications, the
// bell's page): GET /api/v1/me/notifications, newest first, 20 at a time with "Load more"
// (the answer's next_cursor).
//
// Each notification shows its title (the link to what it is about), its text, what kind
// it is, and when it came — in words ("yesterday at 09:00") and exactly ("Fri 4 Dec 2026,
// 09:00"). Unread ones are marked "New" in words as well as by their border and weight.
// Following one marks it read first (POST …/{id}/read; 204, idempotent) and then opens its
// link; "Mark as read" does that without leaving, and "Mark all as read" (POST
// …/read-all) clears them all. The bell in the header is told each time, so its badge
// follows at once. Links are only followed when they are a path of this app or an http(s)
// address; anything else is shown as plain text.

import { get, post } from '../api.js';
import { kindName } from '../notification-data.js';
import { bellUnread, setBellUnread } from '../notifications-bell.js';
import { plural } from '../workflow-data.js';
import {
  badge, button, emptyState, errorState, formatWhen, h, loadingState, pageHeader, statusMessage, uid, whileBusy,
} from '../ui.js';

const PAGE = 20;

/** "Fri 4 Dec 2026, 09:00": the exact instant, in this device's zone. */
export function exactTime(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso ?? '');
  return d.toLocaleString(undefined, { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit' });
}

/**
 * Where a notification's link goes: { path } for a page of this app (also an absolute
 * address on this origin), { url } for another http(s) address, null for anything else.
 */
export function linkTarget(link) {
  if (typeof link !== 'string' || !link) return null;
  if (link.startsWith('/') && !link.startsWith('//') && !link.startsWith('/\\')) return { path: link };
  try {
    const u = new URL(link);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return null;
    if (u.origin === window.location.origin) return { path: u.pathname + u.search + u.hash };
    return { url: u.href };
  } catch {
    return null;
  }
}

export function notificationsPage({ outlet, signal, router }) {
  const notice = h('div', { class: 'notice-area', dataset: { test: 'notifications-notice' } });
  const summary = h('p', { class: 'notifications__summary', role: 'status', dataset: { test: 'notifications-summary' } });
  const results = h('div', { class: 'results', dataset: { test: 'notifications-results' } });
  const markAll = button('Mark all as read', { variant: 'secondary', test: 'notifications-read-all', onClick: (e) => readAll(e.currentTarget) });
  markAll.hidden = true;
  let items = [];
  let next = null;
  let unread = 0;

  function setUnread(n) {
    unread = Math.max(0, Number(n) || 0);
    setBellUnread(unread);
    markAll.hidden = unread === 0;
    summary.textContent = unread ? `You have ${plural(unread, 'unread notification')}.` : items.length ? 'You have read them all.' : '';
  }

  function say(message) {
    const msg = statusMessage({ ...message, test: 'notifications-status' });
    msg.setAttribute('tabindex', '-1');
    notice.replaceChildren(msg);
    return msg;
  }

  /** Marks one read on the server and here; resolves true when it is read. */
  async function markRead(item) {
    if (item.read_at) return true;
    try {
      await post(`/api/v1/me/notifications/${encodeURIComponent(item.id)}/read`, undefined, { signal });
    } catch (err) {
      if (err.name === 'AbortError') return false;
      if (err.status !== 404) {
        notice.replaceChildren(errorState(err, { title: 'Waymark could not mark it as read', test: 'notifications-error' }));
        return false;
      }
    }
    item.read_at = new Date().toISOString();
    setUnread(unread - 1);
    return true;
  }

  async function open(item, event) {
    const target = linkTarget(item.link);
    if (!target) return;
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) {
      // Opened elsewhere (a new tab): this page stays, so mark it read here too.
      markRead(item).then(() => draw());
      return;
    }
    event.preventDefault();
    await markRead(item);
    if (target.path) router.navigate(target.path);
    else window.location.assign(target.url);
  }

  async function readAll(btn) {
    await whileBusy(btn, 'Marking…', async () => {
      let res;
      try {
        res = await post('/api/v1/me/notifications/read-all', undefined, { signal });
      } catch (err) {
        if (err.name === 'AbortError') return;
        notice.replaceChildren(errorState(err, { title: 'Waymark could not mark them as read', test: 'notifications-error' }));
        return;
      }
      const now = new Date().toISOString();
      for (const it of items) if (!it.read_at) it.read_at = now;
      setUnread(0);
      draw();
      const marked = Number(res?.marked) || 0;
      say({ tone: 'ok', title: marked ? `Marked ${plural(marked, 'notification')} as read.` : 'Everything was already read.' }).focus();
    });
  }

  function entry(item) {
    const titleId = uid('notification');
    const target = linkTarget(item.link);
    const isUnread = !item.read_at;
    const when = new Date(item.created_at);
    const title = target
      ? h('a', {
        href: target.path || target.url,
        class: 'notification__link',
        dataset: { test: 'notification-link', external: target.url ? '' : undefined },
        onclick: (e) => open(item, e),
        onauxclick: (e) => open(item, e),
      }, item.title)
      : h('span', { dataset: { test: 'notification-link' } }, item.title);
    return h('li', {
      class: `notification${isUnread ? ' notification--unread' : ''}`,
      'aria-labelledby': titleId,
      dataset: { test: 'notification', id: String(item.id), unread: String(isUnread), kind: item.kind },
    },
    h('p', { class: 'notification__meta' },
      isUnread ? badge('New', { tone: 'info', test: 'notification-new' }) : null,
      h('span', { class: 'notification__kind' }, kindName(item.kind)),
      h('span', { class: 'notification__when', dataset: { test: 'notification-when' } },
        h('time', { datetime: item.created_at, title: Number.isNaN(when.getTime()) ? undefined : exactTime(item.created_at) }, formatWhen(item.created_at, { fallback: '' })),
        h('span', { class: 'notification__exact' }, ` · ${exactTime(item.created_at)}`))),
    h('h2', { class: 'notification__title', id: titleId }, isUnread ? h('span', { class: 'visually-hidden' }, 'New: ') : null, title),
    item.body ? h('p', { class: 'notification__body pre-line', dataset: { test: 'notification-body' } }, item.body) : null,
    isUnread
      ? h('p', { class: 'notification__actions' },
        button('Mark as read', {
          variant: 'quiet',
          size: 'small',
          test: 'notification-read',
          ariaLabel: `Mark as read: ${item.title}`,
          onClick: async () => {
            if (!(await markRead(item))) return;
            draw();
            // The button is gone: focus stays on the same notification.
            const li = results.querySelector(`[data-id="${CSS.escape(String(item.id))}"]`);
            const heading = li?.querySelector('.notification__title');
            const link = heading?.querySelector('a');
            if (link) link.focus();
            else if (heading) {
              heading.setAttribute('tabindex', '-1');
              heading.focus();
            }
          },
        }))
      : null);
  }

  function draw() {
    if (!items.length) {
      results.replaceChildren(emptyState({
        title: 'No notifications yet',
        detail: 'Waymark tells you here when something needs you: new activities, due dates, steps to sign off, and changes to your plan.',
        action: h('a', { href: '/', dataset: { test: 'notifications-home' } }, 'Go to your journey'),
        test: 'notifications-empty',
      }));
      return;
    }
    const list = h('ol', { class: 'notification-list', 'aria-label': 'Your notifications, newest first', dataset: { test: 'notification-list' } }, items.map(entry));
    const more = next
      ? button('Load more', {
        variant: 'secondary',
        test: 'notifications-more',
        onClick: async (e) => {
          const shown = items.length;
          await whileBusy(e.currentTarget, 'Loading…', () => loadMore());
          results.querySelectorAll('.notification__title')[shown]?.querySelector('a, span[data-test]')?.focus();
        },
      })
      : null;
    results.replaceChildren(...(more ? [list, h('div', { class: 'notifications__more' }, more)] : [list]));
  }

  async function loadMore() {
    let page;
    try {
      page = await get('/api/v1/me/notifications', { query: { limit: PAGE, cursor: next }, signal });
    } catch (err) {
      if (err.name === 'AbortError') return;
      notice.replaceChildren(errorState(err, { title: 'Waymark could not load more notifications', test: 'notifications-error' }));
      return;
    }
    const known = new Set(items.map((x) => x.id));
    items = [...items, ...(page?.items || []).filter((x) => !known.has(x.id))];
    next = page?.next_cursor || null;
    setUnread(page?.unread ?? unread);
    draw();
  }

  async function load() {
    results.replaceChildren(loadingState('Loading your notifications…', { test: 'notifications-loading' }));
    results.setAttribute('aria-busy', 'true');
    let page;
    try {
      page = await get('/api/v1/me/notifications', { query: { limit: PAGE }, signal });
    } catch (err) {
      if (err.name === 'AbortError') return;
      results.removeAttribute('aria-busy');
      results.replaceChildren(errorState(err, { title: 'Waymark could not load your notifications', retry: () => load(), test: 'notifications-load-error' }));
      return;
    }
    results.removeAttribute('aria-busy');
    items = page?.items || [];
    next = page?.next_cursor || null;
    setUnread(page?.unread ?? bellUnread());
    draw();
  }

  outlet.append(h('div', { class: 'stack notifications', dataset: { test: 'notifications' } },
    pageHeader({ title: 'Notifications', lead: 'What Waymark has told you, newest first. Open one to go to what it is about.', actions: markAll }),
    notice,
    summary,
    results));
  return load();
}
