import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { sql } from 'kysely';
import { describeEachDatabase } from '../../../../test/support/databases.ts';
import { buildOrganisation, buildUser } from '../../../../test/support/factories.ts';
import { buildTestApp, TestClient, type TestApp } from '../../../../test/support/http.ts';

describeEachDatabase('families: guardians, children, invitations', (fixture) => {
  let app: TestApp;
  before(() => {
    const { database, config } = fixture();
    app = buildTestApp(database, config);
  });

  it('a parent creates a family, adds children, invites a second guardian who joins once', async () => {
    const { db } = fixture();
    const school = await buildOrganisation(db, { kind: 'school' });
    const mum = await buildUser(db);
    const dad = await buildUser(db);
    const mumClient = await TestClient.signedIn(app, mum.login, mum.password);
    const family = await mumClient.post('/api/families', { name: '王家', relation: '妈妈' });
    assert.equal(family.status, 201);
    const familyId = family.body.id;

    const child = await mumClient.post(`/api/families/${familyId}/children`, { displayName: '王小一', birthYear: 2017, schoolId: school.id, grade: '三年级', pin: '1357' });
    assert.equal(child.status, 201);
    assert.equal(child.body.schoolName, school.name);
    assert.equal(child.body.hasPin, true);
    assert.equal(child.body.pinHash, undefined, 'the PIN hash never leaves the server');

    const invitation = await mumClient.post(`/api/families/${familyId}/invitations`, { relation: '爸爸' });
    assert.equal(invitation.status, 201);
    assert.match(invitation.body.code, /^[A-Z0-9]{10}$/);

    const dadClient = await TestClient.signedIn(app, dad.login, dad.password);
    assert.equal((await dadClient.get(`/api/families/${familyId}`)).status, 403, 'not yet a guardian');
    const joined = await dadClient.post('/api/invitations/accept', { code: invitation.body.code.toLowerCase() });
    assert.equal(joined.status, 200);
    assert.deepEqual(joined.body.guardians.map((g: { relation: string }) => g.relation).sort(), ['妈妈', '爸爸'].sort());
    const dadsFamilies = await dadClient.get('/api/families');
    assert.equal(dadsFamilies.body.items[0].children[0].displayName, '王小一');

    const reused = await (await TestClient.signedIn(app, (await buildUser(db)).login, 'Test-pass-123')).post('/api/invitations/accept', { code: invitation.body.code });
    assert.equal(reused.status, 410);
    assert.equal(reused.body.error, 'invitation_invalid');
  });

  it('expired invitations are refused', async () => {
    const { db } = fixture();
    const parent = await buildUser(db);
    const other = await buildUser(db);
    const client = await TestClient.signedIn(app, parent.login, parent.password);
    const family = await client.post('/api/families', { name: '过期家庭' });
    const invitation = await client.post(`/api/families/${family.body.id}/invitations`, {});
    await sql`update family_invitations set expires_at = now() - interval '1 minute' where family_id = ${family.body.id}`.execute(db);
    const otherClient = await TestClient.signedIn(app, other.login, other.password);
    const response = await otherClient.post('/api/invitations/accept', { code: invitation.body.code });
    assert.equal(response.status, 410);
    assert.equal((await db.selectFrom('family_guardians').selectAll().where('family_id', '=', family.body.id).execute()).length, 1);
  });

  it('a guardian cannot accept an invitation to a family they already guard', async () => {
    const { db } = fixture();
    const parent = await buildUser(db);
    const client = await TestClient.signedIn(app, parent.login, parent.password);
    const family = await client.post('/api/families', { name: '自邀家庭' });
    const invitation = await client.post(`/api/families/${family.body.id}/invitations`, {});
    const response = await client.post('/api/invitations/accept', { code: invitation.body.code });
    assert.equal(response.status, 409);
    assert.equal(response.body.error, 'conflict');
    // The failed acceptance rolled back: the code is still usable by someone else.
    const other = await buildUser(db);
    assert.equal((await (await TestClient.signedIn(app, other.login, other.password)).post('/api/invitations/accept', { code: invitation.body.code })).status, 200);
  });

  it('every read of children is in the audit log, with who and on what basis', async () => {
    const { db } = fixture();
    const school = await buildOrganisation(db, { kind: 'school' });
    const parent = await buildUser(db);
    const teacher = await buildUser(db, { grants: [{ role: 'teacher', scopeType: 'organisation', scopeId: school.id }] });
    const client = await TestClient.signedIn(app, parent.login, parent.password);
    const family = await client.post('/api/families', { name: '审计家庭' });
    await client.post(`/api/families/${family.body.id}/children`, { displayName: '被读的孩子', schoolId: school.id });
    await client.get(`/api/families/${family.body.id}`);
    const teacherClient = await TestClient.signedIn(app, teacher.login, teacher.password);
    assert.equal((await teacherClient.get(`/api/families/${family.body.id}`)).status, 200);
    const reads = await db
      .selectFrom('audit_events')
      .select(['actor_user_id', 'detail'])
      .where('action', '=', 'child.read')
      .where('resource_id', '=', family.body.id)
      .orderBy('id')
      .execute();
    assert.deepEqual(
      reads.map((r) => [r.actor_user_id, (r.detail as { basis: string }).basis]),
      [
        [parent.id, 'guardian'],
        [teacher.id, 'school_staff'],
      ],
    );
    const writes = await db.selectFrom('audit_events').select('action').where('actor_user_id', '=', parent.id).where('action', '=', 'child.create').execute();
    assert.equal(writes.length, 1);
  });

  it('updates a child and clears the PIN; another family’s child is not found through this family', async () => {
    const { db } = fixture();
    const parent = await buildUser(db);
    const client = await TestClient.signedIn(app, parent.login, parent.password);
    const family = await client.post('/api/families', { name: '改名家庭' });
    const child = await client.post(`/api/families/${family.body.id}/children`, { displayName: '旧名', pin: '2580' });
    const updated = await client.patch(`/api/families/${family.body.id}/children/${child.body.id}`, { displayName: '新名', pin: null, grade: '二年级' });
    assert.equal(updated.status, 200);
    assert.equal(updated.body.displayName, '新名');
    assert.equal(updated.body.hasPin, false);
    const otherFamily = await client.post('/api/families', { name: '第二个家庭' });
    const crossed = await client.patch(`/api/families/${otherFamily.body.id}/children/${child.body.id}`, { displayName: '串门' });
    assert.equal(crossed.status, 404);
  });
});
