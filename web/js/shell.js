// shell.js — the frame around every page: the header with the organisation's branding,
// the role-aware navigation, who is signed in and the sign-out button.
//
// The markup lives in index.html (so the page has a header before any script runs); this
// module fills it from the session and keeps it current. Signed out, the header shows
// Waymark and a "Sign in" link. Signed in, it shows the organisation's logo and name, with
// its brand colour as the header band: the text colour on the band is black or white,
// whichever contrasts more (at least 4.58:1 for any colour), so a tenant cannot choose a
// colour that makes the header unreadable. Page content keeps Waymark's own palette.
//
// On a phone the navigation folds behind a "Menu" button (aria-expanded, Escape closes it
// and returns focus to the button); from 48rem wide it is always shown. The notifications
// bell (notifications-bell.js) sits beside the menu button, outside the folded menu, so
// the number of unread notifications is always in sight; it asks again on every page.

import { createBell } from './notifications-bell.js';
import { canManageOrganisation, canSeePeople, canSeeTeam, canSignOff } from './session.js';
import { canDesignWorkflows, canSeeAudit, canSeeGroups } from './session.js';

const HEX = /^#?([0-9a-f]{3}|[0-9a-f]{6})$/i;

/** Relative luminance of an sRGB colour "#rrggbb" (WCAG 2.2 definition). */
export function luminance(hex) {
  let m = HEX.exec(hex)[1];
  if (m.length === 3) m = m.split('').map((c) => c + c).join('');
  const [r, g, b] = [0, 2, 4].map((i) => {
    const c = parseInt(m.slice(i, i + 2), 16) / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** "#000000" or "#ffffff", whichever has the higher contrast ratio on background hex. */
export function textColourOn(hex) {
  const l = luminance(hex);
  const onBlack = (l + 0.05) / 0.05;
  const onWhite = 1.05 / (l + 0.05);
  return onBlack >= onWhite ? '#000000' : '#ffffff';
}

/** The navigation the session may use: [{ href, label, test }]. */
function navItems(session) {
  const items = [{ href: '/', label: 'Journey', test: 'nav-home' }];
  if (canSeeTeam(session)) items.push({ href: '/team', label: 'My team', test: 'nav-team' });
  if (canSignOff(session)) items.push({ href: '/signoffs', label: 'Sign-offs', test: 'nav-signoffs' });
  if (canSeePeople(session)) items.push({ href: '/people', label: 'People', test: 'nav-people' });
  if (canSeeGroups(session)) items.push({ href: '/groups', label: 'Groups', test: 'nav-groups' });
  if (canDesignWorkflows(session)) items.push({ href: '/workflows', label: 'Workflows', test: 'nav-workflows' });
  if (canSeeAudit(session)) items.push({ href: '/audit', label: 'Audit log', test: 'nav-audit' });
  if (canManageOrganisation(session)) items.push({ href: '/settings', label: 'Settings', test: 'nav-settings' });
  items.push({ href: '/profile', label: 'Profile', test: 'nav-profile' });
  return items;
}

/**
 * createShell({ onSignOut }) → { update(session), setCurrent(path), closeMenu() }.
 * onSignOut() is called when the sign-out button is pressed.
 */
export function createShell({ onSignOut }) {
  const header = document.querySelector('.site-header');
  const brandName = header.querySelector('[data-test="brand-name"]');
  const brandMark = header.querySelector('.brand__mark');
  const logo = header.querySelector('[data-test="brand-logo"]');
  const signInLink = header.querySelector('[data-test="header-signin"]');
  const menuButton = header.querySelector('[data-test="menu-button"]');
  const nav = header.querySelector('[data-test="site-nav"]');
  const list = header.querySelector('[data-test="nav-list"]');
  const who = header.querySelector('[data-test="signed-in-as"]');
  const signOutButton = header.querySelector('[data-test="sign-out"]');
  const bellLink = header.querySelector('[data-test="bell"]');
  const bell = bellLink ? createBell(bellLink) : null;
  let currentPath = window.location.pathname;

  function setMenu(open) {
    menuButton.setAttribute('aria-expanded', String(open));
    nav.classList.toggle('site-nav--open', open);
  }

  menuButton.addEventListener('click', () => setMenu(menuButton.getAttribute('aria-expanded') !== 'true'));
  nav.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && menuButton.getAttribute('aria-expanded') === 'true' && getComputedStyle(menuButton).display !== 'none') {
      setMenu(false);
      menuButton.focus();
    }
  });
  nav.addEventListener('click', (e) => {
    if (e.target.closest('a')) setMenu(false);
  });
  signOutButton.addEventListener('click', () => onSignOut());

  function markCurrent() {
    for (const a of list.querySelectorAll('a')) {
      const href = a.getAttribute('href');
      const current = href === '/' ? currentPath === '/' : currentPath === href || currentPath.startsWith(`${href}/`);
      if (current) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    }
  }

  function brand(session) {
    const colour = session?.tenant?.brand_colour;
    if (colour && HEX.test(colour)) {
      const bg = colour.startsWith('#') ? colour : `#${colour}`;
      header.style.setProperty('--brand-bg', bg);
      header.style.setProperty('--brand-fg', textColourOn(bg));
      header.classList.add('site-header--branded');
    } else {
      header.style.removeProperty('--brand-bg');
      header.style.removeProperty('--brand-fg');
      header.classList.remove('site-header--branded');
    }
    const tenantName = session?.tenant?.name;
    brandName.textContent = tenantName || 'Waymark';
    header.querySelector('.brand').setAttribute('aria-label', tenantName ? `${tenantName} — home` : 'Waymark — home');
    if (session?.tenant?.has_logo) {
      const url = session.tenant.logo_url;
      logo.src = typeof url === 'string' && url.startsWith('/api/v1/tenant/logo') ? url : '/api/v1/tenant/logo';
      logo.hidden = false;
      brandMark.style.display = 'none';
    } else {
      logo.removeAttribute('src');
      logo.hidden = true;
      brandMark.style.removeProperty('display');
    }
  }

  return {
    update(session) {
      brand(session);
      setMenu(false);
      if (!session) {
        bell?.stop();
        nav.hidden = true;
        menuButton.hidden = true;
        signInLink.hidden = currentPath === '/signin';
        list.replaceChildren();
        who.textContent = '';
        return;
      }
      signInLink.hidden = true;
      nav.hidden = false;
      menuButton.hidden = false;
      list.replaceChildren(...navItems(session).map((it) => {
        const li = document.createElement('li');
        const a = document.createElement('a');
        a.href = it.href;
        a.textContent = it.label;
        a.className = 'site-nav__link';
        a.dataset.test = it.test;
        li.append(a);
        return li;
      }));
      who.replaceChildren('Signed in as ', Object.assign(document.createElement('strong'), { textContent: session.user.name || session.user.email }));
      markCurrent();
      bell?.setCurrent(currentPath);
      bell?.start();
    },
    setCurrent(path) {
      currentPath = path;
      bell?.setCurrent(path);
      if (!nav.hidden) {
        markCurrent();
        bell?.refresh();
      } else signInLink.hidden = path === '/signin' || !menuButton.hidden;
      setMenu(false);
    },
    closeMenu: () => setMenu(false),
  };
}
