// An integrator reads docs/openapi.yaml and trusts it: the file is a valid OpenAPI 3
// document, it lists exactly the routes of src/http/routes.c (no more, no fewer), and
// the parameter-free GET routes answer with a status the document names.

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import SwaggerParser from '@apidevtools/swagger-parser';
import YAML from 'yaml';

import { REPO_ROOT, startServer } from './lib/server.js';

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

async function routeTable() {
  const source = await readFile(path.join(REPO_ROOT, 'src/http/routes.c'), 'utf8');
  const rows = [...source.matchAll(/\{\s*"(GET|POST|PUT|PATCH|DELETE)",\s*"([^"]+)"/g)];
  assert.ok(rows.length > 0, 'routes.c has route rows');
  return rows.map(([, method, pattern]) => `${method} ${pattern}`).sort();
}

async function documented() {
  const text = await readFile(path.join(REPO_ROOT, 'docs/openapi.yaml'), 'utf8');
  return YAML.parse(text);
}

describe('openapi describes every route', () => {
  let server;
  before(async () => {
    server = await startServer();
  });
  after(async () => {
    await server?.stop();
  });

  test('docs/openapi.yaml is a valid OpenAPI document', async () => {
    const doc = await documented();
    await SwaggerParser.validate(structuredClone(doc));
    assert.match(doc.openapi, /^3\./);
  });

  test('the document and routes.c list the same routes', async () => {
    const doc = await documented();
    const inDoc = [];
    for (const [p, item] of Object.entries(doc.paths))
      for (const m of METHODS) if (item[m]) inDoc.push(`${m.toUpperCase()} ${p}`);
    assert.deepEqual(inDoc.sort(), await routeTable());
  });

  test('parameter-free GET routes answer with a documented status', async () => {
    const doc = await documented();
    for (const route of await routeTable()) {
      const [method, pattern] = route.split(' ');
      if (method !== 'GET' || pattern.includes('{')) continue;
      const res = await fetch(new URL(pattern, server.url));
      await res.arrayBuffer();
      const statuses = Object.keys(doc.paths[pattern].get.responses);
      assert.ok(statuses.includes(String(res.status)),
        `GET ${pattern} answered ${res.status}; the document names ${statuses.join(', ')}`);
    }
  });
});
