import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { sql } from 'kysely';
import { describeEachDatabase } from '../../../../test/support/databases.ts';
import { buildFamily, buildUser, TEST_PIN } from '../../../../test/support/factories.ts';
import { buildTestApp, TestClient, type TestApp } from '../../../../test/support/http.ts';

describeEachDatabase('auth: sign-in, sessions, CSRF, API tokens, child mode', (fixture) => {
  let app: TestApp;
  before(() => {
    const { database, config } = fixture();
    app = buildTestApp(database, config);
  });

  it('signs in by username or by phone, sets an HttpOnly SameSite cookie, and audits it', async () => {
    const { db } = fixture();
    const user = await buildUser(db, { phone: '13711112222' });
    for (const login of [user.username!, user.username!.toUpperCase(), '13711112222']) {
      const client = new TestClient(app);
      const response = await client.post('/api/auth/sign-in', { login, password: user.password });
      assert.equal(response.status, 200, login);
      const cookie = response.headers.get('set-cookie')!;
      assert.match(cookie, /coedu_session=/);
      assert.match(cookie, /HttpOnly/i);
      assert.match(cookie, /SameSite=Lax/i);
      assert.equal(response.body.user.phoneMasked, '137****2222');
      assert.ok(response.body.csrfToken.length >= 20);
      assert.equal((await client.get('/api/auth/session')).status, 200);
    }
    const audits = await db.selectFrom('audit_events').select('action').where('resource_id', '=', user.id).where('action', '=', 'auth.sign_in').execute();
    assert.equal(audits.length, 3);
  });

  it('refuses a wrong password or unknown login with the same error, and rate-limits repeated failures', async () => {
    const { db } = fixture();
    const user = await buildUser(db);
    const client = new TestClient(app);
    const unknown = await client.post('/api/auth/sign-in', { login: 'nobody.here', password: 'whatever1' });
    assert.equal(unknown.status, 401);
    assert.equal(unknown.body.error, 'invalid_credentials');
    for (let i = 0; i < 5; i++) {
      const wrong = await client.post('/api/auth/sign-in', { login: user.login, password: `wrong-${i}-pass` });
      assert.equal(wrong.status, 401);
      assert.equal(wrong.body.error, 'invalid_credentials');
    }
    const limited = await client.post('/api/auth/sign-in', { login: user.login, password: user.password });
    assert.equal(limited.status, 429, 'even the right password waits once the limit is reached');
    assert.equal(limited.body.error, 'too_many_attempts');
    assert.ok(Number(limited.headers.get('retry-after')) > 0);
    // The window passes: the attempts age out.
    await sql`update sign_in_attempts set at = at - interval '1 day' where key = ${`login:${user.login}`}`.execute(db);
    assert.equal((await client.post('/api/auth/sign-in', { login: user.login, password: user.password })).status, 200);
  });

  it('a success resets the failure count', async () => {
    const { db } = fixture();
    const user = await buildUser(db);
    const client = new TestClient(app);
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 4; i++) assert.equal((await client.post('/api/auth/sign-in', { login: user.login, password: 'nope-nope-1' })).status, 401);
      assert.equal((await client.post('/api/auth/sign-in', { login: user.login, password: user.password })).status, 200);
    }
  });

  it('disabled accounts cannot sign in', async () => {
    const { db } = fixture();
    const user = await buildUser(db, { disabled: true });
    const response = await new TestClient(app).post('/api/auth/sign-in', { login: user.login, password: user.password });
    assert.equal(response.status, 403);
    assert.equal(response.body.error, 'account_disabled');
  });

  it('sign-out ends the session server-side', async () => {
    const { db } = fixture();
    const user = await buildUser(db);
    const client = await TestClient.signedIn(app, user.login, user.password);
    const stolenCookie = client.cookie;
    assert.equal((await client.post('/api/auth/sign-out')).status, 204);
    const replay = new TestClient(app);
    replay.cookie = stolenCookie;
    const response = await replay.get('/api/auth/session');
    assert.equal(response.status, 401);
    assert.equal(response.body.error, 'session_expired');
  });

  it('registers a parent by phone, then refuses the same phone again', async () => {
    const client = new TestClient(app);
    const created = await client.post('/api/auth/register', { phone: '13622223333', password: 'Parent-2026', displayName: '新家长' });
    assert.equal(created.status, 201);
    assert.deepEqual(created.body.roles, []);
    const family = await client.post('/api/families', { name: '新家庭', relation: '妈妈' });
    assert.equal(family.status, 201);
    assert.equal(family.body.guardians[0].relation, '妈妈');
    const again = await new TestClient(app).post('/api/auth/register', { phone: '13622223333', password: 'Parent-2026', displayName: '冒名' });
    assert.equal(again.status, 409);
    assert.equal(again.body.error, 'already_exists');
    const weak = await new TestClient(app).post('/api/auth/register', { phone: '13622224444', password: 'short', displayName: '弱密码' });
    assert.equal(weak.status, 400);
    assert.equal(weak.body.issues[0].path, 'password');
  });

  it('API tokens: created once, used as Bearer without CSRF, revoked for good', async () => {
    const { db } = fixture();
    await db.insertInto('divisions').values({ code: '500199', level: 'district', name: '令牌区', short_name: '令牌区', parent_code: null, geometry: null, geometry_source_crs: null }).onConflict((oc) => oc.doNothing()).execute();
    const staff = await buildUser(db, { grants: [{ role: 'centre_staff', scopeType: 'district', scopeId: '500199' }] });
    const client = await TestClient.signedIn(app, staff.login, staff.password);
    const created = await client.post('/api/me/tokens', { name: '数据交换', expiresInDays: 30 });
    assert.equal(created.status, 201);
    assert.match(created.body.token, /^coedu_/);
    const listed = await client.get('/api/me/tokens');
    assert.equal(listed.body.items.length, 1);
    assert.equal(listed.body.items[0].token, undefined, 'the secret is never listed');

    const integration = new TestClient(app);
    integration.bearer = created.body.token;
    assert.equal((await integration.get('/api/home')).status, 200);
    assert.equal((await integration.request('PATCH', '/api/me', { locale: 'en' })).status, 200, 'bearer writes need no CSRF token');
    assert.equal((await client.delete(`/api/me/tokens/${created.body.id}`)).status, 204);
    const revoked = await integration.get('/api/home');
    assert.equal(revoked.status, 401);
    assert.equal(revoked.body.error, 'invalid_token');

    const expired = await client.post('/api/me/tokens', { name: '过期' });
    await sql`update api_tokens set expires_at = now() - interval '1 second' where id = ${expired.body.id}`.execute(db);
    integration.bearer = expired.body.token;
    assert.equal((await integration.get('/api/home')).status, 401);
  });

  it("child mode needs the child's PIN, is rate-limited, and is audited", async () => {
    const { db } = fixture();
    const guardian = await buildUser(db);
    const stranger = await buildUser(db);
    const { children } = await buildFamily(db, { guardianIds: [guardian.id], children: [{ displayName: '小宝' }, { displayName: '无PIN', pin: false }] });
    const client = await TestClient.signedIn(app, guardian.login, guardian.password);
    const wrong = await client.post('/api/auth/child-mode', { childId: children[0]!.id, pin: '0000' });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.body.error, 'invalid_pin');
    const noPin = await client.post('/api/auth/child-mode', { childId: children[1]!.id, pin: '1234' });
    assert.equal(noPin.status, 409);
    const strangerClient = await TestClient.signedIn(app, stranger.login, stranger.password);
    const notTheirs = await strangerClient.post('/api/auth/child-mode', { childId: children[0]!.id, pin: TEST_PIN });
    assert.equal(notTheirs.status, 403);
    assert.equal(notTheirs.body.error, 'out_of_scope');
    for (let i = 0; i < 4; i++) await client.post('/api/auth/child-mode', { childId: children[0]!.id, pin: '9999' });
    const limited = await client.post('/api/auth/child-mode', { childId: children[0]!.id, pin: TEST_PIN });
    assert.equal(limited.status, 429);
    await sql`delete from sign_in_attempts where key = ${`pin:${children[0]!.id}`}`.execute(db);
    const entered = await client.post('/api/auth/child-mode', { childId: children[0]!.id, pin: TEST_PIN });
    assert.equal(entered.status, 200);
    assert.equal(entered.body.child.displayName, '小宝');
    const actions = await db.selectFrom('audit_events').select('action').where('resource_id', '=', children[0]!.id).execute();
    assert.ok(actions.some((a) => a.action === 'auth.child_mode_enter'));
    assert.ok(actions.some((a) => a.action === 'auth.child_mode_pin_failed'));
  });

  it('PATCH /api/me changes language and name', async () => {
    const { db } = fixture();
    const user = await buildUser(db);
    const client = await TestClient.signedIn(app, user.login, user.password);
    const response = await client.patch('/api/me', { locale: 'en', displayName: 'New Name' });
    assert.equal(response.status, 200);
    assert.equal(response.body.user.locale, 'en');
    assert.equal(response.body.user.displayName, 'New Name');
  });
});
