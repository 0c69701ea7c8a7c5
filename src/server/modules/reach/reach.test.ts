import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { buildGraph, haversineM, openOsmFile, readDem, type WalkGraph } from '@coedu/reach';
import { describeEachDatabase } from '../../../../test/support/databases.ts';
import { buildOrganisation, buildUser } from '../../../../test/support/factories.ts';
import { buildTestApp, TestClient, type TestApp } from '../../../../test/support/http.ts';
import { sharedDataPath, sharedDataSkip } from '../../../../test/support/shared-data.ts';
import { buildWorld, type World } from '../../../../test/support/world.ts';
import { pointInRing, type Ring } from '../../lib/geo.ts';
import { ReachEngine } from './reach.engine.ts';

function inMultiPolygon(point: [number, number], geometry: { type: string; coordinates: unknown }): boolean {
  const polygons = (geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates) as Ring[][];
  return polygons.some((polygon) => pointInRing(point, polygon[0]!) && !polygon.slice(1).some((hole) => pointInRing(point, hole)));
}

/** Metres → degrees at latitude 29.55 (for placing test points). */
const east = (lon: number, metres: number) => lon + metres / (111_320 * Math.cos((29.55 * Math.PI) / 180));

describeEachDatabase('reach API, estimate mode (no street graph)', (fixture) => {
  let app: TestApp;
  let world: World;
  let admin: TestClient;
  let parent: TestClient;
  let schoolAdmin: TestClient;

  before(async () => {
    const { db, database, config } = fixture();
    world = await buildWorld(db);
    app = buildTestApp(database, config);
    admin = await TestClient.signedIn(app, world.users.districtAdmin.login, world.users.districtAdmin.password);
    parent = await TestClient.signedIn(app, world.users.parentA.login, world.users.parentA.password);
    schoolAdmin = await TestClient.signedIn(app, world.users.schoolAdminA.login, world.users.schoolAdminA.password);
  });

  it('says it estimates, and with which factor', async () => {
    const status = await parent.get('/api/reach/status');
    assert.equal(status.status, 200);
    assert.equal(status.body.method, 'estimate');
    assert.equal(status.body.graph, null);
    assert.ok(status.body.detourFactor >= 1);
  });

  it('isochrones are discs of radius minutes × speed / detour factor, labelled estimate', async () => {
    const response = await parent.get('/api/reach/isochrones?lon=106.55&lat=29.55&bands=5,10,15');
    assert.equal(response.status, 200, JSON.stringify(response.body));
    assert.equal(response.body.method, 'estimate');
    assert.equal(response.body.crs, 'WGS-84');
    assert.deepEqual(response.body.features.map((f: { properties: { minutes: number } }) => f.properties.minutes), [5, 10, 15]);
    const fifteen = response.body.features[2];
    assert.equal(fifteen.properties.method, 'estimate');
    const radius = fifteen.properties.radiusM;
    assert.ok(Math.abs(radius - (900 * 1.25) / 1.4) < 2, `radius ${radius}`);
    assert.ok(inMultiPolygon([east(106.55, radius - 60), 29.55], fifteen.geometry));
    assert.ok(!inMultiPolygon([east(106.55, radius + 60), 29.55], fifteen.geometry));
    assert.ok(!inMultiPolygon([east(106.55, radius - 60), 29.55], response.body.features[0].geometry), 'outside the 5-minute band');
  });

  it('clips to the district outline and converts GCJ-02 input', async () => {
    // The test district is the square 106.50–106.59 × 29.53–29.57: a disc at its western edge is cut off there.
    const edge = await parent.get('/api/reach/isochrones?lon=106.501&lat=29.55&bands=15');
    const ring = edge.body.features[0].geometry.coordinates.flat(2) as [number, number][];
    assert.ok(ring.every(([lon]) => lon >= 106.4995), 'nothing west of the outline');
    const gcj = await parent.get('/api/reach/isochrones?lon=106.555&lat=29.548&crs=GCJ-02&bands=5');
    assert.ok(gcj.body.origin.lon < 106.555 && gcj.body.origin.lat > 29.548, 'GCJ-02 → WGS-84 moves west and north here');
  });

  it('routes by estimate: straight-line metres × detour factor at flat speed, no climb', async () => {
    const response = await parent.get('/api/reach/route?from=106.55,29.55&to=106.56,29.55');
    assert.equal(response.status, 200);
    assert.equal(response.body.method, 'estimate');
    const straight = haversineM(106.55, 29.55, 106.56, 29.55);
    assert.ok(Math.abs(response.body.distanceM - straight * 1.4) < 1);
    assert.ok(Math.abs(response.body.minutes - (straight * 1.4) / 1.25 / 60) < 0.01);
    assert.equal(response.body.climbM, null);
  });

  it('catchments: one polygon per organisation of the kind', async () => {
    const response = await parent.get('/api/reach/catchments?kind=school&minutes=10');
    assert.equal(response.status, 200);
    assert.equal(response.body.features.length, 2);
    for (const feature of response.body.features) {
      assert.equal(feature.properties.kind, 'school');
      assert.equal(feature.properties.method, 'estimate');
      assert.ok(feature.geometry.coordinates.length > 0);
    }
  });

  it('coverage runs: district staff compute and store; staff read; others are refused', async () => {
    const { db } = fixture();
    assert.equal((await parent.post('/api/reach/coverage-runs', {})).status, 403);
    assert.equal((await schoolAdmin.post('/api/reach/coverage-runs', {})).status, 403);
    const created = await admin.post('/api/reach/coverage-runs', { cellM: 200, minutes: 15 });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const run = created.body;
    assert.equal(run.method, 'estimate');
    assert.deepEqual(run.categories, ['community_parent_school', 'guidance_centre', 'school', 'venue']);
    assert.ok(run.cellCount > 100);
    assert.equal(run.summary.cells, run.cellCount);
    assert.ok(run.summary.byCategory.school.coveredShare > 0 && run.summary.byCategory.school.coveredShare < 1);
    assert.ok(run.areaSummaries.some((a: { level: string }) => a.level === 'community'));
    assert.equal(run.areasIllustrative, true);
    assert.deepEqual(run.summary.venuesNotOnGraph, [], 'estimate mode reports no venue as off the graph');
    assert.ok(run.areaSummaries.filter((a: { level: string }) => a.level === 'community').every((a: { subdistrictCode: string }) => world.divisions.subdistricts.includes(a.subdistrictCode)));

    const cells = await schoolAdmin.get(`/api/reach/coverage-runs/${run.id}/cells`);
    assert.equal(cells.status, 200);
    assert.equal(cells.body.features.length, run.cellCount);
    assert.equal(cells.body.method, 'estimate');
    const near = cells.body.features.find((f: { properties: { nearestMinutes: number | null } }) => f.properties.nearestMinutes !== null);
    assert.ok(near);
    assert.equal((await schoolAdmin.get('/api/reach/coverage-runs')).body.items[0].id, run.id);
    assert.equal((await parent.get(`/api/reach/coverage-runs/${run.id}`)).status, 403);
    const audit = await db.selectFrom('audit_events').select('actor_user_id').where('action', '=', 'coverage.create').where('resource_id', '=', run.id).execute();
    assert.equal(audit.length, 1);
  });

  it('gap finding adds coverage greedily and reports before and after', async () => {
    const run = (await admin.post('/api/reach/coverage-runs', { cellM: 200, minutes: 10, kinds: ['school'] })).body;
    const gaps = await admin.post(`/api/reach/coverage-runs/${run.id}/gaps`, { category: 'school', k: 3 });
    assert.equal(gaps.status, 200, JSON.stringify(gaps.body));
    assert.equal(gaps.body.method, 'estimate');
    assert.equal(gaps.body.picks.length, 3);
    assert.ok(gaps.body.shareAfter > gaps.body.shareBefore);
    const gains = gaps.body.picks.map((p: { gain: number }) => p.gain);
    assert.deepEqual([...gains].sort((a, b) => b - a), gains, 'greedy picks come in order of gain');
    const given = await admin.post(`/api/reach/coverage-runs/${run.id}/gaps`, { category: 'school', k: 1, candidates: [{ id: 'here', lon: 106.58, lat: 29.535 }] });
    assert.equal(given.body.picks[0]?.id, 'here');
    const unknownCategory = await admin.post(`/api/reach/coverage-runs/${run.id}/gaps`, { category: 'bakery', k: 1 });
    assert.equal(unknownCategory.status, 400);
    assert.equal(unknownCategory.body.error, 'validation_failed');
    assert.equal(unknownCategory.body.issues[0].path, 'category');
    const notInRun = await admin.post(`/api/reach/coverage-runs/${run.id}/gaps`, { category: 'venue', k: 1 });
    assert.equal(notInRun.status, 400, 'a kind that was not part of the run');
    assert.equal(notInRun.body.error, 'invalid_argument');
    assert.equal((await schoolAdmin.post(`/api/reach/coverage-runs/${run.id}/gaps`, { k: 1 })).status, 403);
  });

  it('bad input: minutes out of range, bad points, unknown runs', async () => {
    for (const query of ['lon=106.55&lat=29.55&bands=0', 'lon=106.55&lat=29.55&bands=500', 'lon=500&lat=29.55', 'lon=106.55', 'lon=a&lat=b', 'lon=106.55&lat=29.55&crs=EPSG:4326']) {
      const response = await parent.get(`/api/reach/isochrones?${query}`);
      assert.equal(response.status, 400, query);
      assert.equal(response.body.error, 'validation_failed', query);
    }
    assert.equal((await parent.get('/api/reach/route?from=106.55&to=106.56,29.55')).status, 400);
    assert.equal((await admin.get('/api/reach/coverage-runs/00000000-0000-4000-8000-000000000000')).status, 404);
    assert.equal((await admin.post('/api/reach/coverage-runs', { cellM: 5 })).status, 400);
  });
});

describe('reach API, network mode on the real Monaco graph', { skip: sharedDataSkip() }, () => {
  let graph: WalkGraph;
  before(async () => {
    const dem = await readDem([sharedDataPath('dem/N43E007.hgt.zip')]);
    ({ graph } = await buildGraph(await openOsmFile(sharedDataPath('osm/monaco.osm.gz')), { dem }));
  });

  describeEachDatabase('Monaco', (fixture) => {
    let app: TestApp;
    let admin: TestClient;
    before(async () => {
      const { db, database, config } = fixture();
      const outline = { type: 'Polygon', coordinates: [[[7.405, 43.722], [7.44, 43.722], [7.44, 43.752], [7.405, 43.752], [7.405, 43.722]]] };
      await db
        .insertInto('divisions')
        .values({ code: '999001', level: 'district', name: 'Monaco (test)', short_name: 'Monaco', parent_code: null, geometry: JSON.stringify(outline), geometry_illustrative: false, geometry_source_crs: 'WGS-84' })
        .execute();
      await buildOrganisation(db, { kind: 'school', name: 'École (test) A', lon: 7.4206, lat: 43.7315 });
      await buildOrganisation(db, { kind: 'school', name: 'École (test) B', lon: 7.4275, lat: 43.7395 });
      await buildOrganisation(db, { kind: 'venue', name: 'Musée (test)', lon: 7.4255, lat: 43.7307 });
      const staff = await buildUser(db, { grants: [{ role: 'district_admin', scopeType: 'district', scopeId: '999001' }] });
      app = buildTestApp(database, config, { reachEngine: ReachEngine.fromGraph(graph, 'monaco.graph') });
      admin = await TestClient.signedIn(app, staff.login, staff.password);
    });

    it('isochrones follow the streets and say network', async () => {
      const response = await admin.get('/api/reach/isochrones?lon=7.4246&lat=43.7384&bands=5,15');
      assert.equal(response.status, 200, JSON.stringify(response.body));
      assert.equal(response.body.method, 'network');
      assert.equal((await admin.get('/api/reach/status')).body.graph.nodes, graph.nodeCount);
      assert.ok(response.body.features[1].geometry.coordinates.length > 0);
      assert.ok(inMultiPolygon([7.4246, 43.7384], response.body.features[0].geometry));
    });

    it('a point in the sea is 422 point_outside_graph', async () => {
      const response = await admin.get('/api/reach/isochrones?lon=7.45&lat=43.73');
      assert.equal(response.status, 422);
      assert.equal(response.body.error, 'point_outside_graph');
    });

    it('routes climb Monaco’s hills: longer than the straight line, climb reported', async () => {
      const response = await admin.get('/api/reach/route?from=7.4206,43.7315&to=7.4275,43.7395');
      assert.equal(response.status, 200, JSON.stringify(response.body));
      assert.equal(response.body.method, 'network');
      assert.ok(response.body.distanceM > haversineM(7.4206, 43.7315, 7.4275, 43.7395));
      assert.ok(response.body.climbM > 0);
      const back = await admin.get('/api/reach/route?from=7.4275,43.7395&to=7.4206,43.7315');
      assert.notEqual(Math.round(back.body.seconds), Math.round(response.body.seconds), 'uphill and downhill differ');
    });

    it('coverage and gaps on the network', async () => {
      const run = await admin.post('/api/reach/coverage-runs', { cellM: 150, minutes: 10, kinds: ['school', 'venue'] });
      assert.equal(run.status, 201, JSON.stringify(run.body));
      assert.equal(run.body.method, 'network');
      assert.ok(run.body.summary.reachableCells > 0);
      assert.ok(run.body.summary.reachableCells < run.body.summary.cells, 'cells in the sea are unreachable');
      const gaps = await admin.post(`/api/reach/coverage-runs/${run.body.id}/gaps`, { category: 'school', k: 2 });
      assert.equal(gaps.status, 200, JSON.stringify(gaps.body));
      assert.equal(gaps.body.method, 'network');
      assert.ok(gaps.body.shareAfter >= gaps.body.shareBefore);
      const catchments = await admin.get('/api/reach/catchments?kind=school&minutes=5');
      assert.equal(catchments.body.method, 'network');
      assert.ok(catchments.body.features.every((f: { properties: { snapped: boolean } }) => f.properties.snapped));
    });
  });
});
