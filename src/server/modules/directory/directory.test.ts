import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { describeEachDatabase } from '../../../../test/support/databases.ts';
import { buildTestApp, TestClient, type TestApp } from '../../../../test/support/http.ts';
import { buildWorld, type World } from '../../../../test/support/world.ts';

describeEachDatabase('directory: services, locations, taxonomies, HSDS', (fixture) => {
  let app: TestApp;
  let world: World;
  let venueManager: TestClient;
  let admin: TestClient;
  let anonymous: TestClient;

  before(async () => {
    const { db, database, config } = fixture();
    world = await buildWorld(db);
    app = buildTestApp(database, config);
    venueManager = await TestClient.signedIn(app, world.users.venueManagerA.login, world.users.venueManagerA.password);
    admin = await TestClient.signedIn(app, world.users.districtAdmin.login, world.users.districtAdmin.password);
    anonymous = new TestClient(app);
  });

  it('a venue manager adds a place (GCJ-02 in, WGS-84 stored) and an offer there, both versioned and audited', async () => {
    const { db } = fixture();
    const place = await venueManager.post('/api/directory/locations', {
      organisationId: world.orgs.venueA.id,
      name: '甲场馆正门',
      address: '测试路 8 号',
      location: { lon: 106.5775, lat: 29.5575, crs: 'GCJ-02' },
      openingHours: [{ weekday: 6, opens: '09:00', closes: '17:00' }],
      accessibility: '无障碍坡道与电梯',
    });
    assert.equal(place.status, 201, JSON.stringify(place.body));
    assert.equal(place.body.location.sourceCrs, 'GCJ-02');
    assert.ok(place.body.location.lon < 106.5775);

    const created = await venueManager.post('/api/directory/services', {
      organisationId: world.orgs.venueA.id,
      name: '亲子科学实验',
      serviceType: 'activity',
      audience: 'families',
      minAge: 6,
      maxAge: 12,
      capacity: 30,
      bookingRequired: true,
      categories: ['science'],
      locationIds: [place.body.id],
      schedules: [{ freq: 'WEEKLY', byday: 'SA', opensAt: '09:30', closesAt: '11:00' }],
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.deepEqual(created.body.categories.map((c: { code: string }) => c.code), ['science']);
    assert.equal(created.body.locations[0].id, place.body.id);
    assert.equal(created.body.version, 1);

    const updated = await venueManager.patch(`/api/directory/services/${created.body.id}`, { capacity: 35, description: '加场' });
    assert.equal(updated.status, 200);
    assert.equal(updated.body.version, 2);
    const history = await venueManager.get(`/api/directory/services/${created.body.id}/history`);
    assert.deepEqual(history.body.items.map((h: { version: number; change: string }) => [h.version, h.change]), [[2, 'update'], [1, 'create']]);
    assert.equal(history.body.items[0].changedBy.userId, world.users.venueManagerA.id);
    assert.deepEqual(history.body.items[0].changes, { capacity: 35, description: '加场' });
    const audits = await db.selectFrom('audit_events').select('action').where('resource_id', '=', created.body.id).orderBy('id').execute();
    assert.deepEqual(audits.map((a) => a.action), ['directory.service_create', 'directory.service_update']);

    const bad = await venueManager.patch(`/api/directory/services/${created.body.id}`, { minAge: 14 });
    assert.equal(bad.status, 400, 'minAge above the stored maxAge');
    const foreignLocation = await admin.post('/api/directory/locations', { organisationId: world.orgs.venueB.id, name: '乙场馆' });
    const crossed = await venueManager.patch(`/api/directory/services/${created.body.id}`, { locationIds: [foreignLocation.body.id] });
    assert.equal(crossed.status, 400);
    assert.equal(crossed.body.issues[0].path, 'locationIds');
  });

  it('scopes: other organisations are out of scope; history is for staff in scope', async () => {
    const other = await venueManager.post('/api/directory/services', { organisationId: world.orgs.venueB.id, name: '越权', serviceType: 'visit' });
    assert.equal(other.status, 403);
    assert.equal(other.body.error, 'out_of_scope');
    const community = await TestClient.signedIn(app, world.users.communityAdmin1.login, world.users.communityAdmin1.password);
    assert.equal((await community.post('/api/directory/services', { organisationId: world.orgs.parentSchoolA.id, name: '社区课堂', serviceType: 'course' })).status, 201);
    assert.equal((await community.post('/api/directory/services', { organisationId: world.orgs.schoolA.id, name: '越权课堂', serviceType: 'course' })).status, 403);
    const parent = await TestClient.signedIn(app, world.users.parentA.login, world.users.parentA.password);
    const created = await admin.post('/api/directory/services', { organisationId: world.orgs.schoolB.id, name: '乙校家长课堂', serviceType: 'course' });
    assert.equal((await parent.get(`/api/directory/services/${created.body.id}/history`)).status, 403);
    assert.equal((await anonymous.post('/api/directory/services', { organisationId: world.orgs.venueA.id, name: 'x', serviceType: 'visit' })).status, 401);
    const unknownCategory = await admin.post('/api/directory/services', { organisationId: world.orgs.schoolB.id, name: '坏类别', serviceType: 'course', categories: ['astrology'] });
    assert.equal(unknownCategory.status, 400);
    assert.equal(unknownCategory.body.issues[0].path, 'categories.0');
  });

  it('public search filters by category (own or inherited), age, cost, kind, weekday and text', async () => {
    const classify = await admin.request('PUT', `/api/directory/organisations/${world.orgs.venueB.id}/classification`, { baseCategories: ['arts'], providerKind: 'culture' });
    assert.equal(classify.status, 200, JSON.stringify(classify.body));
    assert.equal(classify.body.providerKind.code, 'culture');
    const place = await admin.post('/api/directory/locations', { organisationId: world.orgs.venueB.id, name: '乙场馆展厅', openingHours: [{ weekday: 7, opens: '10:00', closes: '16:00' }] });
    await admin.post('/api/directory/services', { organisationId: world.orgs.venueB.id, name: '周日亲子画画', serviceType: 'activity', minAge: 4, maxAge: 8, isFree: false, feesDescription: '材料费 20 元', locationIds: [place.body.id] });

    const arts = await anonymous.get('/api/directory/services?category=arts');
    assert.equal(arts.status, 200);
    assert.ok(arts.body.items.some((s: { name: string; categories: { code: string }[] }) => s.name === '周日亲子画画' && s.categories[0]?.code === 'arts'), 'inherits the organisation category');
    const names = async (query: string) => (await anonymous.get(`/api/directory/services?${query}`)).body.items.map((s: { name: string }) => s.name);
    assert.ok((await names('age=5')).includes('周日亲子画画'));
    assert.ok(!(await names('age=10')).includes('周日亲子画画'));
    assert.ok(!(await names('free=true')).includes('周日亲子画画'));
    assert.ok((await names('free=false')).includes('周日亲子画画'));
    assert.ok((await names('openOn=7')).includes('周日亲子画画'));
    assert.ok(!(await names('openOn=1')).includes('周日亲子画画'));
    assert.ok((await names(`q=${encodeURIComponent('画画')}`)).includes('周日亲子画画'));
    assert.ok((await names(`kind=venue&divisionCode=${world.divisions.subdistricts[1]}`)).includes('周日亲子画画'));
    assert.equal((await anonymous.get('/api/directory/services?category=astrology')).status, 400);
  });

  it('taxonomies: public to read, district staff to extend', async () => {
    const taxonomies = await anonymous.get('/api/directory/taxonomies');
    const base = taxonomies.body.items.find((t: { id: string }) => t.id === 'base_category');
    assert.equal(base.terms.length, 8);
    assert.equal(taxonomies.body.items.find((t: { id: string }) => t.id === 'provider_kind').terms.length, 13);
    assert.equal((await venueManager.post('/api/directory/taxonomies/base_category/terms', { code: 'reading', name: '阅读', nameEn: 'Reading' })).status, 403);
    const added = await admin.post('/api/directory/taxonomies/base_category/terms', { code: 'reading', name: '阅读推广', nameEn: 'Reading' });
    assert.equal(added.status, 201);
    assert.equal((await admin.post('/api/directory/taxonomies/base_category/terms', { code: 'reading', name: '重复', nameEn: 'Dup' })).status, 409);
    assert.equal((await admin.post('/api/directory/taxonomies/no_such/terms', { code: 'x1', name: '无', nameEn: 'None' })).status, 404);
    const renamed = await admin.patch(`/api/directory/terms/${added.body.id}`, { name: '亲子阅读' });
    assert.equal(renamed.body.name, '亲子阅读');
  });

  it('HSDS 3.0: paged envelopes, modified_after, linked records, NDJSON bulk export', async () => {
    const page = await anonymous.get('/api/hsds/services?per_page=2&page=1');
    assert.equal(page.status, 200);
    assert.equal(page.body.page_number, 1);
    assert.equal(page.body.size, 2);
    assert.equal(page.body.first_page, true);
    assert.ok(page.body.total_items >= 4);
    assert.equal(page.body.total_pages, Math.ceil(page.body.total_items / 2));
    const service = page.body.contents[0];
    assert.ok(service.organization_id && service.last_modified && Array.isArray(service.attributes) && Array.isArray(service.service_at_locations));

    const marker = new Date().toISOString();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const changed = await admin.post('/api/directory/services', { organisationId: world.orgs.schoolA.id, name: '新增的家长会', serviceType: 'course' });
    const recent = await anonymous.get(`/api/hsds/services?modified_after=${encodeURIComponent(marker)}`);
    assert.deepEqual(recent.body.contents.map((s: { id: string }) => s.id), [changed.body.id]);
    assert.equal((await anonymous.get('/api/hsds/services?modified_after=yesterday')).status, 400);

    const one = await anonymous.get(`/api/hsds/services/${changed.body.id}`);
    assert.equal(one.body.name, '新增的家长会');
    const orgs = await anonymous.get('/api/hsds/organizations?per_page=100');
    const venue = orgs.body.contents.find((o: { id: string }) => o.id === world.orgs.venueB.id);
    assert.ok(venue.attributes.some((a: { taxonomy_term: { code: string } }) => a.taxonomy_term.code === 'arts'));
    const locations = await anonymous.get('/api/hsds/locations?per_page=100');
    const located = locations.body.contents.find((l: { latitude: number | null }) => l.latitude !== null);
    assert.ok(located.longitude > 100 && typeof located.x_coordinates_illustrative === 'boolean');
    assert.equal((await anonymous.get('/api/hsds/taxonomy_terms?taxonomy_id=base_category&per_page=100')).body.total_items, 9);

    const exported = await anonymous.request('GET', '/api/hsds/export.ndjson');
    assert.equal(exported.status, 200);
    assert.match(exported.headers.get('content-type') ?? '', /ndjson/);
    const lines = (exported.body as string).trim().split('\n').map((line) => JSON.parse(line));
    const counts = lines.reduce((acc: Record<string, number>, line: { type: string }) => ({ ...acc, [line.type]: (acc[line.type] ?? 0) + 1 }), {});
    assert.equal(counts.service, (await anonymous.get('/api/hsds/services?per_page=1')).body.total_items);
    assert.equal(counts.organization, orgs.body.total_items);
    assert.ok(counts.taxonomy >= 3 && counts.taxonomy_term >= 26 && counts.location >= 2);
  });
});
