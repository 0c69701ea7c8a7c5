import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { before, it } from 'node:test';
import { sql } from 'kysely';
import { describeEachDatabase } from '../../../test/support/databases.ts';
import { buildTestApp, TestClient, type TestApp } from '../../../test/support/http.ts';
import { buildWorld, tableCounts, type World } from '../../../test/support/world.ts';

interface Operation {
  method: string;
  path: string;
  hasBody: boolean;
  /** The body is JSON (every write but file uploads, which take the raw file as the body). */
  jsonBody: boolean;
  pathParams: string[];
  /** A valid value for each path parameter: a fresh UUID, or the example the spec gives for non-UUID ones. */
  validPathValue: (name: string) => string;
  queryParams: { name: string; schema: { type?: string } }[];
}

type SpecParameter = { in: string; name: string; example?: unknown; schema: { type?: string; format?: string; example?: unknown } };

function operationsOf(spec: { paths: Record<string, Record<string, { requestBody?: { content?: Record<string, unknown> }; parameters?: SpecParameter[] }>> }): Operation[] {
  const operations: Operation[] = [];
  for (const [path, item] of Object.entries(spec.paths)) {
    for (const [method, operation] of Object.entries(item)) {
      const parameters = operation.parameters ?? [];
      operations.push({
        method: method.toUpperCase(),
        path,
        hasBody: Boolean(operation.requestBody),
        jsonBody: Boolean(operation.requestBody?.content?.['application/json']),
        pathParams: parameters.filter((p) => p.in === 'path').map((p) => p.name),
        validPathValue: (name) => {
          const parameter = parameters.find((p) => p.in === 'path' && p.name === name);
          if (!parameter || parameter.schema.format === 'uuid') return randomUUID();
          return String(parameter.schema.example ?? parameter.example);
        },
        queryParams: parameters.filter((p) => p.in === 'query').map((p) => ({ name: p.name, schema: p.schema })),
      });
    }
  }
  return operations;
}

const fill = (path: string, value: (name: string) => string) => path.replace(/\{(\w+)\}/g, (_, name: string) => value(name));

/**
 * Bad input, per endpoint, derived from the OpenAPI document so that a new endpoint is covered the day it is added:
 * every answer is a precise 4xx with an error id, never a 500, and nothing is written.
 */
const LIBRARY_LIMIT = 64 * 1024;

describeEachDatabase('bad input on every endpoint', (fixture) => {
  let app: TestApp;
  let world: World;
  let admin: TestClient;
  let operations: Operation[];

  before(async () => {
    const { db, database, config } = fixture();
    world = await buildWorld(db);
    // A small library upload limit, so that the oversize case sends 64 KiB, not the default 200 MiB.
    app = buildTestApp(database, { ...config, libraryMaxBytes: LIBRARY_LIMIT });
    admin = await TestClient.signedIn(app, world.users.districtAdmin.login, world.users.districtAdmin.password);
    const spec = await new TestClient(app).get('/api/openapi.json');
    assert.equal(spec.status, 200);
    assert.equal(spec.body.openapi, '3.1.0');
    operations = operationsOf(spec.body);
    assert.ok(operations.length >= 25, `expected the whole API in the spec, got ${operations.length} operations`);
  });

  async function expectError(response: { status: number; body: any }, status: number, error: string, label: string) {
    assert.equal(response.status, status, `${label}: ${JSON.stringify(response.body)}`);
    assert.equal(response.body?.error, error, label);
    assert.equal(typeof response.body.message, 'string', label);
  }

  it('malformed JSON, wrong types, unknown fields, wrong media type, oversize bodies and missing CSRF on every write', async () => {
    const { db } = fixture();
    const before = await tableCounts(db);
    const writes = operations.filter((op) => op.jsonBody);
    assert.ok(writes.length >= 12);
    for (const op of writes) {
      const path = fill(op.path, op.validPathValue);
      const label = `${op.method} ${op.path}`;
      await expectError(await admin.request(op.method, path, undefined, { rawBody: '{"name": "未闭合' }), 400, 'malformed_json', `${label} malformed`);
      await expectError(await admin.request(op.method, path, ['an', 'array']), 400, 'validation_failed', `${label} array body`);
      await expectError(await admin.request(op.method, path, 'a string'), 400, 'validation_failed', `${label} string body`);
      const unknown = await admin.request(op.method, path, { surprise: true });
      await expectError(unknown, 400, 'validation_failed', `${label} unknown field`);
      assert.ok(unknown.body.issues.some((issue: { message: string }) => /surprise/.test(issue.message)), `${label}: the issue names the unknown field`);
      await expectError(await admin.request(op.method, path, undefined, { rawBody: 'name=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } }), 415, 'unsupported_media_type', `${label} form body`);
      await expectError(await admin.request(op.method, path, { blob: 'x'.repeat(1_100_000) }), 413, 'payload_too_large', `${label} oversize`);
      if (!['/api/auth/sign-in', '/api/auth/register'].includes(op.path)) {
        await expectError(await admin.request(op.method, path, {}, { csrf: false }), 403, 'csrf_token_missing', `${label} no csrf`);
        await expectError(await admin.request(op.method, path, {}, { headers: { 'x-csrf-token': 'forged' }, csrf: false }), 403, 'csrf_token_invalid', `${label} forged csrf`);
      }
    }
    assert.deepEqual(await tableCounts(db), before, 'bad input writes nothing');
  });

  it('file uploads (raw body, not JSON): wrong media types, empty or unreadable files, bad options, oversize bodies and missing CSRF', async () => {
    const { db, config } = fixture();
    const before = await tableCounts(db);
    const uploads = operations.filter((op) => op.hasBody && !op.jsonBody);
    assert.ok(uploads.length >= 1, 'the directory import takes the file as the raw body');
    const csv = { 'content-type': 'text/csv' };
    assert.deepEqual(uploads.map((op) => op.path).sort(), ['/api/classes/library/{id}/file', '/api/directory/imports'], 'every raw upload has its cases below');
    for (const op of uploads.filter((o) => o.path === '/api/classes/library/{id}/file')) {
      // The library takes media by type (checked against the bytes); anything else is library_file_type.
      const label = `${op.method} ${op.path}`;
      const path = fill(op.path, op.validPathValue);
      const wav = 'RIFF\u0000\u0000\u0000\u0000WAVEfmt ';
      await expectError(await admin.request(op.method, path, { surprise: true }), 415, 'library_file_type', `${label} JSON body`);
      await expectError(await admin.request(op.method, path, undefined, { rawBody: 'name=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } }), 415, 'library_file_type', `${label} form body`);
      await expectError(await admin.request(op.method, path, undefined, { rawBody: '<svg onload="x()"/>', headers: { 'content-type': 'image/svg+xml' } }), 415, 'library_file_type', `${label} svg`);
      await expectError(await admin.request(op.method, path, undefined, { rawBody: wav, headers: { 'content-type': 'audio/wav' } }), 404, 'not_found', `${label} unknown entry`);
      await expectError(await admin.request(op.method, `${path}?nonsense=1`, undefined, { rawBody: wav, headers: { 'content-type': 'audio/wav' } }), 400, 'validation_failed', `${label}?nonsense`);
      await expectError(await admin.request(op.method, path, undefined, { rawBody: 'x'.repeat(LIBRARY_LIMIT + 1), headers: { 'content-type': 'text/plain' } }), 413, 'payload_too_large', `${label} oversize`);
      await expectError(await admin.request(op.method, path, undefined, { rawBody: wav, headers: { 'content-type': 'audio/wav' }, csrf: false }), 403, 'csrf_token_missing', `${label} no csrf`);
      await expectError(await new TestClient(app).request(op.method, path, undefined, { rawBody: wav, headers: { 'content-type': 'audio/wav' } }), 401, 'unauthenticated', `${label} anonymous`);
    }
    for (const op of uploads.filter((o) => o.path === '/api/directory/imports')) {
      const path = fill(op.path, op.validPathValue);
      const label = `${op.method} ${op.path}`;
      await expectError(await admin.request(op.method, path, { surprise: true }), 415, 'unsupported_media_type', `${label} JSON body`);
      await expectError(await admin.request(op.method, path, undefined, { rawBody: 'name=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } }), 415, 'unsupported_media_type', `${label} form body`);
      await expectError(await admin.request(op.method, path, undefined, { rawBody: 'a,b', headers: { 'content-type': 'image/png' } }), 415, 'unsupported_media_type', `${label} image`);
      await expectError(await admin.request(op.method, path, undefined, { rawBody: '', headers: csv }), 400, 'import_file_empty', `${label} empty`);
      await expectError(await admin.request(op.method, path, undefined, { rawBody: '\u0000\u0001\u0002garbage', headers: csv }), 400, 'import_file_unreadable', `${label} binary`);
      await expectError(await admin.request(op.method, path, undefined, { rawBody: 'PK\u0003\u0004broken', headers: csv }), 400, 'import_file_unreadable', `${label} broken xlsx`);
      await expectError(await admin.request(op.method, path, undefined, { rawBody: 'foo,bar\n1,2\n', headers: csv }), 400, 'import_columns_missing', `${label} no known columns`);
      await expectError(await admin.request(op.method, path, undefined, { rawBody: 'x'.repeat(config.importMaxBytes + 1), headers: csv }), 413, 'payload_too_large', `${label} oversize`);
      for (const query of ['dryRun=maybe', 'mode=some', 'encoding=latin1', 'crs=EPSG:3857', 'nonsense=1']) {
        await expectError(await admin.request(op.method, `${path}?${query}`, undefined, { rawBody: 'external_id,name,kind\n', headers: csv }), 400, 'validation_failed', `${label}?${query}`);
      }
      await expectError(await admin.request(op.method, path, undefined, { rawBody: 'a', headers: csv, csrf: false }), 403, 'csrf_token_missing', `${label} no csrf`);
      await expectError(await admin.request(op.method, path, undefined, { rawBody: 'a', headers: { ...csv, 'x-csrf-token': 'forged' }, csrf: false }), 403, 'csrf_token_invalid', `${label} forged csrf`);
      await expectError(await new TestClient(app).request(op.method, path, undefined, { rawBody: 'a', headers: csv }), 401, 'unauthenticated', `${label} anonymous`);
    }
    assert.deepEqual(await tableCounts(db), before, 'bad uploads write nothing');
  });

  it('a malformed id in any path is 400 invalid_id; a well-formed unknown id is 404', async () => {
    for (const op of operations.filter((o) => o.pathParams.length > 0)) {
      const label = `${op.method} ${op.path}`;
      const body = op.hasBody ? {} : undefined;
      await expectError(await admin.request(op.method, fill(op.path, () => 'not-a-uuid'), body), 400, 'invalid_id', label);
      await expectError(await admin.request(op.method, fill(op.path, () => "1' or '1'='1"), body), 400, 'invalid_id', `${label} injection`);
    }
    for (const path of ['/api/families/{id}', '/api/registry/organisations/{id}']) {
      await expectError(await admin.get(fill(path, () => randomUUID())), 404, 'not_found', path);
    }
    await expectError(await admin.delete(`/api/me/tokens/${randomUUID()}`), 404, 'not_found', 'revoke unknown token');
  });

  it('bad query parameters are 400 with the parameter named', async () => {
    for (const op of operations.filter((o) => o.method === 'GET' && o.queryParams.length > 0)) {
      for (const param of op.queryParams) {
        const response = await admin.get(`${op.path}?${param.name}=${encodeURIComponent('%%<>不是数字-999999999999999')}`);
        if (response.status === 200) continue; // free-text parameters accept any text
        await expectError(response, 400, 'validation_failed', `${op.path}?${param.name}`);
        assert.ok(response.body.issues.some((issue: { path: string }) => issue.path === param.name), `${op.path}: issue names ${param.name}`);
      }
      const unknown = await admin.get(`${op.path}?nonsense=1`);
      await expectError(unknown, 400, 'validation_failed', `${op.path}?nonsense`);
    }
    await expectError(await admin.get('/api/audit?limit=0'), 400, 'validation_failed', 'limit 0');
    await expectError(await admin.get('/api/audit?limit=abc'), 400, 'validation_failed', 'limit abc');
  });

  it('unknown endpoints and methods are 404 route_not_found, never the web app', async () => {
    await expectError(await admin.get('/api/nope'), 404, 'route_not_found', 'GET /api/nope');
    await expectError(await admin.request('PUT', '/api/families', {}), 404, 'route_not_found', 'PUT /api/families');
  });

  it('expired sessions and bad tokens are told apart from never having signed in', async () => {
    const { db } = fixture();
    const client = await TestClient.signedIn(app, world.users.parentA.login, world.users.parentA.password);
    await sql`update sessions set expires_at = now() - interval '1 minute' where user_id = ${world.users.parentA.id}`.execute(db);
    await expectError(await client.get('/api/home'), 401, 'session_expired', 'expired session');
    await expectError(await client.post('/api/families', { name: '过期后' }), 401, 'session_expired', 'write with expired session');
    const bearer = new TestClient(app);
    bearer.bearer = 'coedu_not-a-real-token';
    await expectError(await bearer.get('/api/home'), 401, 'invalid_token', 'bad bearer token');
    await expectError(await new TestClient(app).get('/api/home'), 401, 'unauthenticated', 'no credentials');
  });

  it('field-level validation names the field', async () => {
    const parent = await TestClient.signedIn(app, world.users.parentA.login, world.users.parentA.password);
    const badChild = await parent.post(`/api/families/${world.familyA.family.id}/children`, { displayName: '', birthYear: 1800, pin: '12' });
    await expectError(badChild, 400, 'validation_failed', 'bad child');
    const paths = badChild.body.issues.map((issue: { path: string }) => issue.path).sort();
    assert.deepEqual(paths, ['birthYear', 'displayName', 'pin']);
    const notASchool = await parent.post(`/api/families/${world.familyA.family.id}/children`, { displayName: '娃', schoolId: world.orgs.venueA.id });
    await expectError(notASchool, 400, 'validation_failed', 'venue as school');
    const badLocation = await admin.post('/api/registry/organisations', { name: '坏坐标', kind: 'venue', location: { lon: 200, lat: 29.5, crs: 'WGS-84' } });
    await expectError(badLocation, 400, 'validation_failed', 'lon 200');
    const badCrs = await admin.post('/api/registry/organisations', { name: '坏坐标系', kind: 'venue', location: { lon: 106.5, lat: 29.5, crs: 'EPSG:3857' } });
    await expectError(badCrs, 400, 'validation_failed', 'unknown crs');
    const unknownDivision = await admin.post('/api/registry/organisations', { name: '无社区', kind: 'venue', divisionCode: '999999999999' });
    await expectError(unknownDivision, 400, 'validation_failed', 'unknown division');
  });
});
