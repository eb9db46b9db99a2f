// app.js — starts the Waymark web UI: the route table, who may open which page, and the
// shell around the pages.
//
// One module per page under pages/; this file says which path shows which page and who
// may see it. A route is public (anyone), 'signed-in' (a visitor is sent to /signin and
// brought back afterwards) or 'signed-out' (the sign-in page: someone already signed in
// goes on to where they were going). `allow(session)` narrows a signed-in route to some
// roles; others see a plain "you cannot open this page" instead of a broken page. The
// server checks every request anyway: this only decides what to show.

import { onSessionLost } from './api.js';
import { activityPage } from './pages/activity.js';
import { auditPage } from './pages/audit.js';
import { enrolmentPage } from './pages/enrolment.js';
import { groupPage } from './pages/group.js';
import { groupsPage } from './pages/groups.js';
import { homePage } from './pages/home.js';
import { notFoundPage } from './pages/not-found.js';
import { notificationsPage } from './pages/notifications.js';
import { personPage } from './pages/person.js';
import { peopleImportPage } from './pages/people-import.js';
import { peoplePage } from './pages/people.js';
import { profilePage } from './pages/profile.js';
import { settingsPage } from './pages/settings.js';
import { signInPage } from './pages/signin.js';
import { signoffsPage } from './pages/signoffs.js';
import { teamPage } from './pages/team.js';
import { unsubscribePage } from './pages/unsubscribe.js';
import { welcomePage } from './pages/welcome.js';
import { workflowEnrolmentsPage, workflowEnrolPage } from './pages/workflow-enrol.js';
import { workflowEditorPage, workflowVersionPage } from './pages/workflow-editor.js';
import { workflowVersionsPage } from './pages/workflow-versions.js';
import { newWorkflowPage, workflowImportPage, workflowsPage, workflowTemplatesPage } from './pages/workflows.js';
import { createRouter } from './router.js';
import { canDesignWorkflows, canManageGroups, canSeeAudit, canSeeGroups } from './session.js';
import { canManageOrganisation, canManagePeople, canSeePeople, currentSession, forgetSession, loadSession, onSessionChange, safeNext, signOut } from './session.js';
import { createShell } from './shell.js';
import { errorState, h, linkButton, pageHeader, setFlash } from './ui.js';

let sessionProblem = null; // an ApiError when the server could not say who is signed in
const sessionReady = loadSession().catch((err) => {
  sessionProblem = err;
  return null;
});

function forbiddenPage({ outlet }) {
  outlet.append(
    h('div', { dataset: { test: 'forbidden' } },
      pageHeader({ title: 'You cannot open this page', lead: 'Your role in this organisation does not include this page. If you need it, ask an administrator.' }),
      linkButton('/', 'Go to the home page', { variant: 'secondary', test: 'home-link' })));
}

function unavailablePage({ outlet }) {
  outlet.append(
    h('div', { dataset: { test: 'unavailable' } },
      pageHeader({ title: 'Waymark is not answering' }),
      errorState(sessionProblem, {
        title: 'Waymark could not check who you are',
        retry: () => window.location.reload(),
        test: 'unavailable-error',
      })));
}

/** Wraps render so that it only runs for a session allow() accepts. */
function only(allow, render) {
  return (ctx) => {
    const session = currentSession();
    if (!session) return unavailablePage(ctx); // the guard sends visitors to sign in
    if (allow && !allow(session)) return forbiddenPage(ctx);
    return render({ ...ctx, session });
  };
}

const routes = [
  { path: '/', title: '', access: 'public', render: (ctx) => homePage({ ...ctx, session: currentSession() }) },
  { path: '/signin', title: 'Sign in', access: 'signed-out', render: signInPage },
  { path: '/welcome', title: 'Choose your password', access: 'public', render: welcomePage },
  { path: '/unsubscribe', title: 'Unsubscribe', access: 'public', render: unsubscribePage },
  { path: '/people', title: 'People', access: 'signed-in', render: only(canSeePeople, peoplePage) },
  { path: '/people/new', title: 'Add a person', access: 'signed-in', render: only(canManagePeople, personPage) },
  { path: '/people/import', title: 'Import people', access: 'signed-in', render: only(canManagePeople, peopleImportPage) },
  { path: '/people/:id', title: 'Person', access: 'signed-in', render: only(canSeePeople, personPage) },
  { path: '/groups', title: 'Groups', access: 'signed-in', render: only(canSeeGroups, groupsPage) },
  { path: '/groups/new', title: 'Create a group', access: 'signed-in', render: only(canManageGroups, groupPage) },
  { path: '/groups/:id', title: 'Group', access: 'signed-in', render: only(canSeeGroups, groupPage) },
  { path: '/workflows', title: 'Workflows', access: 'signed-in', render: only(canDesignWorkflows, workflowsPage) },
  { path: '/workflows/new', title: 'New workflow', access: 'signed-in', render: only(canDesignWorkflows, newWorkflowPage) },
  { path: '/workflows/templates', title: 'Start from a template', access: 'signed-in', render: only(canDesignWorkflows, workflowTemplatesPage) },
  { path: '/workflows/import', title: 'Import a workflow', access: 'signed-in', render: only(canDesignWorkflows, workflowImportPage) },
  { path: '/workflows/:id', title: 'Workflow', access: 'signed-in', render: only(canDesignWorkflows, workflowEditorPage) },
  { path: '/workflows/:id/versions', title: 'Versions', access: 'signed-in', render: only(canDesignWorkflows, workflowVersionsPage) },
  { path: '/workflows/:id/versions/:n', title: 'Version', access: 'signed-in', render: only(canDesignWorkflows, workflowVersionPage) },
  { path: '/workflows/:id/enrol', title: 'Enrol people', access: 'signed-in', render: only(canDesignWorkflows, workflowEnrolPage) },
  { path: '/workflows/:id/enrolments', title: 'Enrolments', access: 'signed-in', render: only(canDesignWorkflows, workflowEnrolmentsPage) },
  { path: '/activities/:id', title: 'Activity', access: 'signed-in', render: only(null, activityPage) },
  { path: '/enrolments/:id', title: 'Enrolment', access: 'signed-in', render: only(null, enrolmentPage) },
  { path: '/signoffs', title: 'Sign-offs', access: 'signed-in', render: only(null, signoffsPage) },
  { path: '/team', title: 'My team', access: 'signed-in', render: only(null, teamPage) },
  { path: '/notifications', title: 'Notifications', access: 'signed-in', render: only(null, notificationsPage) },
  { path: '/audit', title: 'Audit log', access: 'signed-in', render: only(canSeeAudit, auditPage) },
  { path: '/profile', title: 'Profile', access: 'signed-in', render: only(null, profilePage) },
  { path: '/settings', title: 'Organisation settings', access: 'signed-in', render: only(canManageOrganisation, settingsPage) },
];

let router;

const shell = createShell({
  onSignOut: async () => {
    try {
      await signOut();
      setFlash({ tone: 'ok', title: 'You have signed out.' });
    } catch {
      setFlash({ tone: 'info', title: 'You have signed out of this browser.', detail: 'Waymark could not be told; the session ends by itself later.' });
    }
    router.navigate('/signin');
  },
});

onSessionChange((session) => shell.update(session));

onSessionLost(() => {
  if (!currentSession() || window.location.pathname === '/signin') return;
  forgetSession();
  setFlash({ tone: 'info', title: 'Your session has ended', detail: 'Please sign in again to carry on where you were.' });
  router.navigate(`/signin?next=${encodeURIComponent(window.location.pathname + window.location.search)}`, { replace: true });
});

router = createRouter({
  outlet: document.getElementById('main'),
  appName: 'Waymark',
  routes,
  notFound: { title: 'Page not found', render: notFoundPage },
  async guard(route, { path }) {
    await sessionReady;
    shell.setCurrent(path);
    const session = currentSession();
    if (route.access === 'signed-in' && !session && !sessionProblem)
      return `/signin?next=${encodeURIComponent(path + window.location.search)}`;
    if (route.access === 'signed-out' && session)
      return safeNext(new URLSearchParams(window.location.search).get('next')) || '/';
    return null;
  },
});

sessionReady.then(() => {
  shell.update(currentSession());
  return router.start();
});
