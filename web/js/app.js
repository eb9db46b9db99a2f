// app.js — starts the Waymark web UI: the route table and the router.
//
// One module per page under pages/; this file only says which path shows which page.

import { homePage } from './pages/home.js';
import { notFoundPage } from './pages/not-found.js';
import { createRouter } from './router.js';

const router = createRouter({
  outlet: document.getElementById('main'),
  appName: 'Waymark',
  routes: [{ path: '/', title: '', render: homePage }],
  notFound: { title: 'Page not found', render: notFoundPage },
});

router.start();
