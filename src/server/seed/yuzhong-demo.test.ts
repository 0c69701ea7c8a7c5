import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { it } from 'node:test';
import { describeEachDatabase } from '../../../test/support/databases.ts';
import { buildTestApp, TestClient } from '../../../test/support/http.ts';
import { pointInRing, type Ring } from '../lib/geo.ts';
import { readDivisionsCsv } from './registry-import.ts';
import { DEMO_ACCOUNTS, DEMO_PASSWORD, seedYuzhongDemo, subdistrictAnchorsWgs84, YUZHONG_DATA_DIR } from './yuzhong-demo.ts';
import { seedYuzhongDirectory } from './yuzhong-directory.ts';
import { seedYuzhongRoutes } from './yuzhong-routes.ts';

it('the shipped Yuzhong files match the shared reference data', () => {
  const shared = process.env.COEDU_SHARED_DATA ?? path.resolve(import.meta.dirname, '../../../../shared/data');
  for (const file of ['divisions.csv', 'boundary.gcj02.geojson']) {
    const original = path.join(shared, 'yuzhong', file);
    if (!fs.existsSync(original)) continue; // a clone without shared/ beside it still tests the shipped copy below
    assert.equal(fs.readFileSync(path.join(YUZHONG_DATA_DIR, file), 'utf8'), fs.readFileSync(original, 'utf8'), file);
  }
  const divisions = readDivisionsCsv(path.join(YUZHONG_DATA_DIR, 'divisions.csv'));
  assert.equal(divisions.filter((d) => d.level === 'subdistrict').length, 11);
  assert.equal(divisions.filter((d) => d.level === 'community').length, 79);
  assert.deepEqual(divisions.filter((d) => d.level === 'workstation').map((d) => d.name), ['化龙桥社区工作站']);
});

describeEachDatabase('Yuzhong demo seed', (fixture) => {
  it('loads the real registry and demo data once; re-running never duplicates', async () => {
    const { db } = fixture();
    assert.equal(await seedYuzhongDemo(db), true);
    assert.equal(await seedYuzhongDemo(db), false);
    const levels = await db.selectFrom('divisions').select(['level', (eb) => eb.fn.countAll<number>().as('n')]).groupBy('level').execute();
    assert.deepEqual(Object.fromEntries(levels.map((l) => [l.level, Number(l.n)])), { district: 1, subdistrict: 11, community: 79, workstation: 1 });
    const kinds = await db.selectFrom('organisations').select(['kind', (eb) => eb.fn.countAll<number>().as('n')]).groupBy('kind').execute();
    const byKind = Object.fromEntries(kinds.map((k) => [k.kind, Number(k.n)]));
    assert.equal(byKind.guidance_centre, 1);
    assert.equal(byKind.school, 63);
    assert.equal(byKind.community_parent_school, 79);
    const users = await db.selectFrom('users').select('username').execute();
    assert.equal(users.length, DEMO_ACCOUNTS.length);
  });

  it('stores the outline as WGS-84 converted from GCJ-02, and places every illustrative point inside it', async () => {
    const { db } = fixture();
    const district = await db.selectFrom('divisions').selectAll().where('level', '=', 'district').executeTakeFirstOrThrow();
    assert.equal(district.geometry_source_crs, 'GCJ-02');
    assert.equal(district.geometry_illustrative, false);
    const outline = (district.geometry as { coordinates: Ring[] }).coordinates[0]!;
    const raw = JSON.parse(fs.readFileSync(path.join(YUZHONG_DATA_DIR, 'boundary.gcj02.geojson'), 'utf8'));
    const [gcjLon, gcjLat] = raw.features[0].geometry.coordinates[0][0];
    const [lon, lat] = outline[0]!;
    assert.ok(gcjLon - lon > 0.002 && gcjLon - lon < 0.006, 'GCJ-02 is east of WGS-84 here');
    assert.ok(lat - gcjLat > 0.001 && lat - gcjLat < 0.005, 'and south of it');
    for (const anchor of subdistrictAnchorsWgs84().values()) assert.ok(pointInRing(anchor, outline));
    const communities = await db.selectFrom('divisions').select(['geometry', 'geometry_illustrative']).where('level', 'in', ['community', 'workstation']).execute();
    for (const c of communities) {
      assert.equal(c.geometry_illustrative, true);
      assert.ok(pointInRing((c.geometry as { coordinates: [number, number] }).coordinates, outline));
    }
    const orgs = await db.selectFrom('organisations').select(['lon', 'lat', 'location_illustrative']).execute();
    for (const org of orgs) {
      assert.equal(org.location_illustrative, true);
      assert.ok(pointInRing([org.lon!, org.lat!], outline), `${org.lon},${org.lat} inside the district`);
    }
  });

  it('the demo sign-ins work', async () => {
    const { database, config } = fixture();
    const app = buildTestApp(database, config);
    for (const account of DEMO_ACCOUNTS) {
      const client = await TestClient.signedIn(app, account.phone ?? account.username, DEMO_PASSWORD);
      const home = await client.get('/api/home');
      assert.equal(home.status, 200, account.username);
      assert.ok(home.body.sections.length >= 1, account.username);
    }
  });

  it('the directory demo: 183 bases in 8 categories, 12 cultural spaces, 15 practice bases, offers everywhere; idempotent', async () => {
    const { db } = fixture();
    assert.equal(await seedYuzhongDirectory(db), true);
    assert.equal(await seedYuzhongDirectory(db), false);
    const designated = await db
      .selectFrom('attributes as a')
      .innerJoin('taxonomy_terms as t', 't.id', 'a.term_id')
      .select(['t.code', (eb) => eb.fn.countAll<number>().as('n')])
      .where('t.taxonomy_id', '=', 'designation')
      .groupBy('t.code')
      .execute();
    const byDesignation = Object.fromEntries(designated.map((d) => [d.code, Number(d.n)]));
    assert.equal(byDesignation.education_base, 183);
    assert.equal(byDesignation.cultural_space, 12);
    assert.equal(byDesignation.practice_base, 15);
    const categories = await db
      .selectFrom('attributes as a')
      .innerJoin('taxonomy_terms as t', 't.id', 'a.term_id')
      .select('t.code')
      .distinct()
      .where('t.taxonomy_id', '=', 'base_category')
      .execute();
    assert.equal(categories.length, 8);
    const names = (await db.selectFrom('organisations').select('name').execute()).map((o) => o.name);
    for (const named of ['中法学校旧址', '中医少林堂', '枇杷山书院', '巴渝文化博物馆', '重庆市文物考古研究院', '中华路小学', '人民路小学']) assert.ok(names.includes(named), named);
    const withoutOffer = await db
      .selectFrom('organisations as o')
      .select('o.name')
      .where(({ not, exists, selectFrom }) => not(exists(selectFrom('services as s').select('s.id').whereRef('s.organisation_id', '=', 'o.id'))))
      .execute();
    assert.deepEqual(withoutOffer, [], 'every organisation offers something');
    const locations = await db.selectFrom('locations').select(['location_illustrative']).execute();
    assert.ok(locations.length > 300 && locations.every((l) => l.location_illustrative));
  });

  it('22 published demo study-tour routes of 4 stops with estimated walking legs; idempotent', async () => {
    const { db } = fixture();
    assert.equal(await seedYuzhongRoutes(db), true);
    assert.equal(await seedYuzhongRoutes(db), false);
    const routes = await db.selectFrom('study_routes').select(['id', 'status', 'walk', 'title']).execute();
    assert.equal(routes.length, 22);
    assert.equal(routes.filter((r) => r.title.startsWith('红色游学线路')).length, 16);
    for (const route of routes) {
      assert.equal(route.status, 'published');
      const walk = route.walk as { method: string; legs: unknown[]; minutes: number };
      assert.equal(walk.method, 'estimate');
      assert.equal(walk.legs.length, 3);
      assert.ok(walk.minutes > 0);
    }
    const stops = await db.selectFrom('study_route_stops').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    assert.equal(Number(stops.n), 22 * 4);
  });
});
