// router.js — client-side navigation on the History API.
//
// The server answers every extension-less path with index.html, so any address can be
// opened directly; from then on same-origin link clicks are handled here without a page
// load. Routes are patterns such as "/workflows/:id"; the first match renders into the
// outlet, anything else renders the not-found view. After a navigation (not the first
// render) focus moves to the new page's heading so screen-reader and keyboard users
// know the page changed.
//
// Each render gets its own view element inside the outlet, so a page that is still
// waiting for the server when the person moves on writes into a detached view, never into
// the next page. A guard(route, { path, params }) may answer a path to go to instead (the
// sign-in page for a signed-out visitor): the address is replaced, not pushed, so Back
// does not bounce between the two.

/** Compiles "/a/:id" into a matcher returning { id } or null. */
function compile(pattern) {
  const names = [];
  const source = pattern
    .split('/')
    .map((seg) => {
      if (seg.startsWith(':')) {
        names.push(seg.slice(1));
        return '([^/]+)';
      }
      return seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('/');
  const re = new RegExp(`^${source}/?$`);
  return (path) => {
    const m = re.exec(path);
    if (!m) return null;
    const params = {};
    names.forEach((n, i) => {
      params[n] = decodeURIComponent(m[i + 1]);
    });
    return params;
  };
}

/**
 * createRouter({ outlet, routes: [{ path, title, render, ...anything the guard reads }],
 *                notFound: { title, render }, appName, guard })
 *   → { start(), navigate(path, { replace }), refresh() }.
 * render({ outlet, params, path, query, router, signal }) fills outlet (a fresh view
 * element); it may be async. signal aborts when the person navigates away.
 */
export function createRouter({ outlet, routes, notFound, appName = 'Waymark', guard }) {
  const table = routes.map((r) => ({ ...r, match: compile(r.path) }));
  let rendered = 0;
  let controller = null;
  let generation = 0;

  async function render() {
    const mine = ++generation;
    const path = window.location.pathname;
    let route = notFound;
    let params = {};
    for (const r of table) {
      const p = r.match(path);
      if (p) {
        route = r;
        params = p;
        break;
      }
    }
    controller?.abort();
    controller = new AbortController();
    const signal = controller.signal;
    if (guard) {
      const redirect = await guard(route, { path, params });
      if (mine !== generation) return; // a newer navigation started meanwhile
      if (redirect) {
        history.replaceState(null, '', redirect);
        return render();
      }
    }
    document.title = route.title ? `${route.title} · ${appName}` : appName;
    const view = document.createElement('div');
    view.className = 'view';
    outlet.replaceChildren(view);
    const query = new URLSearchParams(window.location.search);
    await route.render({ outlet: view, params, path, query, router, signal });
    if (mine !== generation) return;
    if (rendered++ > 0) {
      const heading = outlet.querySelector('h1');
      const target = heading || outlet;
      if (heading && !heading.hasAttribute('tabindex')) heading.setAttribute('tabindex', '-1');
      target.focus({ preventScroll: true });
      window.scrollTo(0, 0);
    }
  }

  function navigate(path, { replace = false } = {}) {
    if (replace) history.replaceState(null, '', path);
    else history.pushState(null, '', path);
    return render();
  }

  function onClick(event) {
    if (event.defaultPrevented || event.button !== 0) return;
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    const a = event.target.closest('a[href]');
    if (!a || a.target || a.hasAttribute('download') || a.dataset.external !== undefined) return;
    const url = new URL(a.href, window.location.href);
    if (url.origin !== window.location.origin) return;
    if (/\.[a-z0-9]+$/i.test(url.pathname) || url.pathname.startsWith('/api/')) return; // files, API
    if (url.pathname === window.location.pathname && url.hash) return; // in-page anchors
    event.preventDefault();
    navigate(url.pathname + url.search + url.hash);
  }

  const router = {
    start() {
      document.addEventListener('click', onClick);
      window.addEventListener('popstate', render);
      return render();
    },
    navigate,
    /** Renders the current address again (after sign-in or sign-out changed what it shows). */
    refresh: () => render(),
  };
  return router;
}
