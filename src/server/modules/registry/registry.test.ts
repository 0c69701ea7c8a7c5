import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { describeEachDatabase } from '../../../../test/support/databases.ts';
import { buildTestApp, TestClient, type TestApp } from '../../../../test/support/http.ts';
import { buildWorld, type World } from '../../../../test/support/world.ts';
import { toWgs84 } from '../../lib/geo.ts';

describeEachDatabase('registry: divisions, organisations, coordinates', (fixture) => {
  let app: TestApp;
  let world: World;
  let admin: TestClient;
  before(async () => {
    const { db, database, config } = fixture();
    world = await buildWorld(db);
    app = buildTestApp(database, config);
    admin = await TestClient.signedIn(app, world.users.districtAdmin.login, world.users.districtAdmin.password);
  });

  it('stores GCJ-02 and BD-09 input as WGS-84 and remembers the source system', async () => {
    const gcj = { lon: 106.5775, lat: 29.5575 };
    const created = await admin.post('/api/registry/organisations', { name: '解放碑测试馆', kind: 'venue', divisionCode: world.community1, location: { ...gcj, crs: 'GCJ-02' } });
    assert.equal(created.status, 201);
    const location = created.body.location;
    assert.equal(location.crs, 'WGS-84');
    assert.equal(location.sourceCrs, 'GCJ-02');
    assert.equal(location.illustrative, false, 'staff-entered coordinates are real, not illustrative');
    const [lon, lat] = toWgs84(gcj.lon, gcj.lat, 'GCJ-02');
    assert.equal(location.lon, lon);
    assert.equal(location.lat, lat);
    // The GCJ-02 offset in Chongqing is a few hundred metres: WGS-84 lies to the west.
    const offsetMetres = Math.hypot((gcj.lon - lon) * 96_800, (gcj.lat - lat) * 111_000);
    assert.ok(offsetMetres > 200 && offsetMetres < 700, `offset ${offsetMetres} m`);

    const bd = await admin.post('/api/registry/organisations', { name: '百度坐标馆', kind: 'venue', location: { lon: 106.584, lat: 29.5636, crs: 'BD-09' } });
    assert.equal(bd.body.location.sourceCrs, 'BD-09');
    assert.ok(bd.body.location.lon < 106.584);
  });

  it('updates are versioned and audited with what changed', async () => {
    const { db } = fixture();
    const patched = await admin.patch(`/api/registry/organisations/${world.orgs.venueB.id}`, { name: '乙场馆（改）', address: '新地址' });
    assert.equal(patched.status, 200);
    assert.equal(patched.body.version, world.orgs.venueB.version + 1);
    const audit = await db
      .selectFrom('audit_events')
      .select(['detail', 'actor_user_id'])
      .where('action', '=', 'organisation.update')
      .where('resource_id', '=', world.orgs.venueB.id)
      .executeTakeFirstOrThrow();
    assert.equal(audit.actor_user_id, world.users.districtAdmin.id);
    assert.deepEqual((audit.detail as { changes: unknown }).changes, { name: '乙场馆（改）', address: '新地址' });
  });

  it('lists and filters organisations by kind, subdistrict (includes its communities) and name', async () => {
    const bySubdistrict = await admin.get(`/api/registry/organisations?divisionCode=${world.divisions.subdistricts[0]}&limit=500`);
    assert.equal(bySubdistrict.status, 200);
    assert.ok(bySubdistrict.body.items.length >= 4);
    assert.ok(bySubdistrict.body.items.every((o: { divisionCode: string }) => o.divisionCode === world.community1));
    const schools = await admin.get('/api/registry/organisations?kind=school');
    assert.ok(schools.body.items.every((o: { kind: string }) => o.kind === 'school'));
    const named = await admin.get(`/api/registry/organisations?q=${encodeURIComponent('甲小')}`);
    assert.deepEqual(named.body.items.map((o: { id: string }) => o.id), [world.orgs.schoolA.id]);
    const paged = await admin.get('/api/registry/organisations?limit=2&offset=1');
    assert.equal(paged.body.items.length, 2);
    assert.ok(paged.body.total >= 6);
    const literalPercent = await admin.get(`/api/registry/organisations?q=${encodeURIComponent('%')}`);
    assert.equal(literalPercent.body.total, 0, '% is matched literally, not as a wildcard');
  });

  it('the map carries the coordinate system and says what is illustrative', async () => {
    const map = await admin.get('/api/registry/map');
    assert.equal(map.status, 200);
    assert.equal(map.body.crs, 'WGS-84');
    assert.match(map.body.illustrativeNote, /示意/);
    assert.equal(map.body.district.properties.illustrative, false);
    assert.ok(map.body.communities.features.every((f: { properties: { illustrative: boolean } }) => f.properties.illustrative));
    assert.ok(map.body.organisations.features.length >= 6);
  });

  it('divisions are listed by level', async () => {
    const communities = await admin.get('/api/registry/divisions?level=community');
    assert.deepEqual(communities.body.items.map((d: { code: string }) => d.code).sort(), [world.community1, world.community2].sort());
  });
});
