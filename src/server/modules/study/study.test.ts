import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { describeEachDatabase } from '../../../../test/support/databases.ts';
import { buildUser } from '../../../../test/support/factories.ts';
import { buildTestApp, TestClient, type TestApp } from '../../../../test/support/http.ts';
import { buildWorld, tableCounts, type World } from '../../../../test/support/world.ts';

const tomorrow = () => new Date(Date.now() + 8 * 3600_000 + 86_400_000).toISOString().slice(0, 10);

describeEachDatabase('study map, study-tour routes, group visits', (fixture) => {
  let app: TestApp;
  let world: World;
  let admin: TestClient;
  let schoolAdmin: TestClient;
  let venueManager: TestClient;
  let offerId: string;

  before(async () => {
    const { db, database, config } = fixture();
    world = await buildWorld(db);
    app = buildTestApp(database, config);
    admin = await TestClient.signedIn(app, world.users.districtAdmin.login, world.users.districtAdmin.password);
    schoolAdmin = await TestClient.signedIn(app, world.users.schoolAdminA.login, world.users.schoolAdminA.password);
    venueManager = await TestClient.signedIn(app, world.users.venueManagerA.login, world.users.venueManagerA.password);
    for (const org of [world.orgs.venueA, world.orgs.venueB]) {
      await admin.request('PUT', `/api/directory/organisations/${org.id}/classification`, { baseCategories: ['patriotic'] });
    }
    const offer = await venueManager.post('/api/directory/services', { organisationId: world.orgs.venueA.id, name: '团体研学参观', serviceType: 'study_tour', capacity: 50, bookingRequired: true });
    offerId = offer.body.id;
  });

  it('the study map shows bases by category, labelled illustrative, publicly', async () => {
    const map = await new TestClient(app).get('/api/study/map?category=patriotic');
    assert.equal(map.status, 200);
    assert.equal(map.body.crs, 'WGS-84');
    assert.deepEqual(map.body.features.map((f: { properties: { id: string } }) => f.properties.id).sort(), [world.orgs.venueA.id, world.orgs.venueB.id].sort());
    assert.equal(map.body.features[0].properties.categories[0].code, 'patriotic');
    assert.equal((await new TestClient(app).get('/api/study/map?category=ecology')).body.features.length, 0);
  });

  it('staff compose a route; walking legs and totals come from the engine; drafts are private until district staff publish', async () => {
    const created = await schoolAdmin.post('/api/study/routes', {
      title: '红色寻访（测试）',
      theme: 'patriotic',
      stops: [{ organisationId: world.orgs.venueA.id, dwellMinutes: 45 }, { organisationId: world.orgs.venueB.id, dwellMinutes: 30 }, { organisationId: world.orgs.schoolA.id }],
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const route = created.body;
    assert.equal(route.status, 'draft');
    assert.equal(route.walk.method, 'estimate');
    assert.equal(route.stops.length, 3);
    assert.ok(route.stops[0].legToNext.minutes > 0 && route.stops[2].legToNext === null);
    const legs = route.stops[0].legToNext.minutes + route.stops[1].legToNext.minutes;
    assert.ok(Math.abs(route.walk.minutes - legs) < 1e-6);
    assert.ok(Math.abs(route.walk.totalMinutes - (legs + 45 + 30 + 30)) < 1e-6);

    const anonymous = new TestClient(app);
    assert.equal((await anonymous.get(`/api/study/routes/${route.id}`)).status, 404, 'drafts are not public');
    assert.ok(!(await anonymous.get('/api/study/routes')).body.items.some((r: { id: string }) => r.id === route.id));
    assert.ok((await schoolAdmin.get('/api/study/routes')).body.items.some((r: { id: string }) => r.id === route.id), 'the author sees the draft');
    const selfPublish = await schoolAdmin.patch(`/api/study/routes/${route.id}`, { status: 'published' });
    assert.equal(selfPublish.status, 403);
    assert.equal(route.authorId, world.users.schoolAdminA.id);
    assert.equal((await admin.patch(`/api/study/routes/${route.id}`, { status: 'published' })).status, 200);
    assert.equal((await anonymous.get(`/api/study/routes/${route.id}`)).status, 200);
    const reordered = await schoolAdmin.patch(`/api/study/routes/${route.id}`, { stops: [{ organisationId: world.orgs.venueB.id }, { organisationId: world.orgs.venueA.id }] });
    assert.equal(reordered.status, 200);
    assert.equal(reordered.body.stops[0].organisationId, world.orgs.venueB.id);
    assert.equal(reordered.body.version, 3);
    assert.equal((await admin.patch(`/api/study/routes/${route.id}`, { status: 'archived' })).status, 200);
    assert.ok(!(await admin.get('/api/study/routes')).body.items.some((r: { id: string }) => r.id === route.id), 'archived routes leave the catalogue');
    assert.ok((await admin.get('/api/study/routes?status=archived')).body.items.some((r: { id: string }) => r.id === route.id), 'district staff find them by status');
    assert.equal((await anonymous.get('/api/study/routes?status=archived')).body.items.length, 0);

    const parent = await TestClient.signedIn(app, world.users.parentA.login, world.users.parentA.password);
    assert.equal((await parent.post('/api/study/routes', { title: 'x', stops: [{ organisationId: world.orgs.venueA.id }, { organisationId: world.orgs.venueB.id }] })).status, 403);
    const duplicate = await schoolAdmin.post('/api/study/routes', { title: '重复', stops: [{ organisationId: world.orgs.venueA.id }, { organisationId: world.orgs.venueA.id }] });
    assert.equal(duplicate.status, 400);
    const badTheme = await schoolAdmin.post('/api/study/routes', { title: '坏主题', theme: 'astrology', stops: [{ organisationId: world.orgs.venueA.id }, { organisationId: world.orgs.venueB.id }] });
    assert.equal(badTheme.body.issues[0].path, 'theme');
  });

  it('group visits: idempotent requests; the base accepts within capacity, never beyond', async () => {
    const { db } = fixture();
    const date = tomorrow();
    const request = (key: string, groupSize: number, client = schoolAdmin) =>
      client.request('POST', '/api/study/visit-requests', { serviceId: offerId, schoolId: world.orgs.schoolA.id, visitDate: date, groupSize }, { headers: { 'idempotency-key': key } });
    const first = await request('visit-key-0001', 30);
    assert.equal(first.status, 201, JSON.stringify(first.body));
    assert.equal(first.body.status, 'pending');
    const retry = await request('visit-key-0001', 30);
    assert.equal(retry.body.id, first.body.id, 'a retry returns the same request');
    const misuse = await request('visit-key-0001', 31);
    assert.equal(misuse.status, 409);
    assert.equal(misuse.body.error, 'idempotency_key_reused');
    const noKey = await schoolAdmin.post('/api/study/visit-requests', { serviceId: offerId, schoolId: world.orgs.schoolA.id, visitDate: date, groupSize: 5 });
    assert.equal(noKey.status, 400);
    assert.equal(noKey.body.error, 'idempotency_key_required');
    assert.equal((await request('visit-key-0002', 60)).body.error, 'capacity_exceeded', 'larger than the offer');
    const second = await request('visit-key-0003', 25);

    assert.equal((await schoolAdmin.post(`/api/study/visit-requests/${first.body.id}/accept`, {})).status, 403, 'the school cannot accept its own request');
    const accepted = await venueManager.post(`/api/study/visit-requests/${first.body.id}/accept`, { note: '欢迎' });
    assert.equal(accepted.status, 200);
    assert.equal(accepted.body.status, 'accepted');
    const before = await tableCounts(db);
    const over = await venueManager.post(`/api/study/visit-requests/${second.body.id}/accept`, {});
    assert.equal(over.status, 409, '30 + 25 > 50');
    assert.equal(over.body.error, 'capacity_exceeded');
    assert.deepEqual(await tableCounts(db), before);
    assert.equal((await venueManager.post(`/api/study/visit-requests/${first.body.id}/accept`, {})).body.error, 'invalid_transition');
    assert.equal((await venueManager.post(`/api/study/visit-requests/${second.body.id}/decline`, { note: '当天已满' })).body.status, 'declined');
    const late = await request('visit-key-0004', 25);
    assert.equal(late.status, 409, 'refused at request time: 30 accepted + 25 > 50');
    assert.equal(late.body.issues[0].code, 'places_left');
    const cancelled = await schoolAdmin.post(`/api/study/visit-requests/${first.body.id}/cancel`, { note: '改期' });
    assert.equal(cancelled.body.status, 'cancelled');
    assert.equal(cancelled.body.decisionNote, '改期');
    const courseOffer = await admin.post('/api/directory/services', { organisationId: world.orgs.schoolB.id, name: '家长课', serviceType: 'course' });
    const notAVisit = await schoolAdmin.request('POST', '/api/study/visit-requests', { serviceId: courseOffer.body.id, schoolId: world.orgs.schoolA.id, visitDate: date, groupSize: 5 }, { headers: { 'idempotency-key': 'visit-key-course' } });
    assert.equal(notAVisit.status, 400);
    assert.equal(notAVisit.body.issues[0].path, 'serviceId');

    const past = await schoolAdmin.request('POST', '/api/study/visit-requests', { serviceId: offerId, schoolId: world.orgs.schoolA.id, visitDate: '2020-01-01', groupSize: 5 }, { headers: { 'idempotency-key': 'visit-key-past' } });
    assert.equal(past.status, 400);
    const otherSchool = await schoolAdmin.request('POST', '/api/study/visit-requests', { serviceId: offerId, schoolId: world.orgs.schoolB.id, visitDate: date, groupSize: 5 }, { headers: { 'idempotency-key': 'visit-key-other' } });
    assert.equal(otherSchool.status, 403);
    const lists = await venueManager.get('/api/study/visit-requests');
    assert.equal(lists.body.items.length, 2);
    const stranger = await TestClient.signedIn(app, (await buildUser(fixture().db)).login, 'Test-pass-123');
    assert.equal((await stranger.get('/api/study/visit-requests')).status, 403);
  });

  it('concurrent acceptances cannot overfill a day', async () => {
    const date = new Date(Date.now() + 8 * 3600_000 + 2 * 86_400_000).toISOString().slice(0, 10);
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      const r = await schoolAdmin.request('POST', '/api/study/visit-requests', { serviceId: offerId, schoolId: world.orgs.schoolA.id, visitDate: date, groupSize: 20 }, { headers: { 'idempotency-key': `race-${date}-${i}` } });
      ids.push(r.body.id);
    }
    const results = await Promise.all(ids.map((id) => venueManager.post(`/api/study/visit-requests/${id}/accept`, {})));
    assert.equal(results.filter((r) => r.status === 200).length, 2, 'two groups of 20 fit in 50, a third does not');
    assert.ok(results.filter((r) => r.status !== 200).every((r) => r.body.error === 'capacity_exceeded'));
  });
});
