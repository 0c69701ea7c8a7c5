import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { buildGraph, XmlSource, type WalkGraph } from '@coedu/reach';
import gcoord from 'gcoord';
import { sql } from 'kysely';
import { describeEachDatabase } from '../../../../test/support/databases.ts';
import { buildFamily, buildOrganisation } from '../../../../test/support/factories.ts';
import { buildTestApp, TestClient, type TestApp } from '../../../../test/support/http.ts';
import { buildWorld, type World } from '../../../../test/support/world.ts';
import { ReachEngine } from '../reach/reach.engine.ts';
import { analyseQuery, descriptionSnippet, highlightName, indexTokens, pinyinLexemes, reindexStale, SEARCH_WINDOW } from './directory.search.ts';

/** Metres → degrees around 29.55° N (the test district). */
const east = (lon: number, metres: number) => lon + metres / (111_320 * Math.cos((29.55 * Math.PI) / 180));
const north = (lat: number, metres: number) => lat + metres / 111_320;
const ORIGIN = { lon: 106.55, lat: 29.55 };

const names = (body: { items: { service: { name: string } }[] }) => body.items.map((hit) => hit.service.name);
const sorted = (values: string[]) => [...values].sort();

describe('search text analysis', () => {
  it('segments names the same way wherever they occur, dropping punctuation', () => {
    assert.deepEqual(indexTokens('枇杷山书院·亲子阅读会！'), ['枇杷', '山', '书院', '亲子', '阅读', '会']);
    assert.deepEqual(indexTokens('重庆市渝中区图书馆'), ['重庆', '重庆市', '中区', '渝中区', '图书', '书馆', '图书馆'], 'search mode: long words and the words inside them');
    assert.deepEqual(indexTokens('３Ｄ打印 DIY'), ['3d', '打印', 'diy'], 'full-width letters and digits are normalised');
  });

  it('indexes the full pinyin and the initials of names from every word on', () => {
    const lexemes = pinyinLexemes('枇杷山书院');
    for (const expected of ['pipashanshuyuan', 'shanshuyuan', 'shuyuan', 'ppssy', 'ssy', 'sy']) assert.ok(lexemes.includes(expected), `${expected} in ${lexemes.join(' ')}`);
    assert.ok(pinyinLexemes('绿色生态课堂').some((l) => l.startsWith('lvse')), 'ü is written v, as pinyin keyboards type it');
  });

  it('turns a query into a tsquery: AND of words, prefixes for pinyin, phrases for unknown words, a pinyin alternative for Han', () => {
    const calligraphy = analyseQuery('书法');
    assert.equal(calligraphy.tsquery, "'书法'");
    assert.equal(calligraphy.titleTsquery, "'书法':ABD", 'matched by name: the name-level weights only');
    assert.equal(calligraphy.tolerant?.tsquery, "('书法') | ('shufa':*)");
    assert.equal(analyseQuery('pipa shan').tsquery, "'pipa':* & 'shan':*");
    assert.equal(analyseQuery('pi').tsquery, "'pi'", 'two letters: no prefix (it would match a large share of all pinyin)');
    assert.equal(analyseQuery('文创').tsquery, "('文' <-> '创')");
    assert.equal(analyseQuery('书').tsquery, "'书':*", 'a one-character query is a prefix');
    assert.equal(analyseQuery('少儿 书法').tolerant?.tsquery, "('少儿' & '书法') | ('shaoer':* & 'shufa':*)");
    assert.equal(analyseQuery('pipashan').tolerant, null, 'pinyin typed as letters is matched directly');
    assert.equal(analyseQuery('%%<>').tsquery, null, 'nothing searchable');
    assert.equal(analyseQuery("o'brien\\").tsquery, "'o' & 'brien':*", 'quotes and backslashes never reach the tsquery');
  });

  it('highlights matched ranges of the name, pinyin matches included, and snippets descriptions around the first match', () => {
    assert.deepEqual(highlightName('少儿书法兴趣班', analyseQuery('书法')), [{ start: 2, end: 4 }]);
    assert.deepEqual(highlightName('枇杷山书院亲子阅读会', analyseQuery('ppssy')), [{ start: 0, end: 5 }]);
    assert.deepEqual(highlightName('枇杷山书院亲子阅读会', analyseQuery('pipash')), [{ start: 0, end: 3 }], 'a syllable typed halfway marks its character');
    assert.deepEqual(highlightName('枇杷山书院亲子阅读会', analyseQuery('琵琶山书院')), [{ start: 0, end: 5 }]);
    assert.deepEqual(highlightName('𠀀字书法', analyseQuery('书法')), [{ start: 3, end: 5 }], 'UTF-16 indices past a character outside the BMP');
    const long = `${'很长的介绍。'.repeat(10)}这里有书法展示，${'还有更多内容。'.repeat(10)}`;
    const snippet = descriptionSnippet(long, analyseQuery('书法'))!;
    assert.ok(snippet.text.startsWith('…') && snippet.text.endsWith('…'));
    assert.equal(snippet.spans.length, 1);
    assert.equal(snippet.text.slice(snippet.spans[0]!.start, snippet.spans[0]!.end), '书法');
    assert.deepEqual(descriptionSnippet('短介绍', null), { text: '短介绍', spans: [] });
  });
});

describeEachDatabase('directory search', (fixture) => {
  let app: TestApp;
  let world: World;
  let admin: TestClient;
  let anonymous: TestClient;
  const ids: Record<string, string> = {};
  const places: Record<string, string> = {};
  let museumId: string;

  async function created(response: { status: number; body: any }) {
    assert.equal(response.status, 201, JSON.stringify(response.body));
    return response.body.id as string;
  }

  before(async () => {
    const { db, database, config } = fixture();
    world = await buildWorld(db);
    app = buildTestApp(database, config);
    admin = await TestClient.signedIn(app, world.users.districtAdmin.login, world.users.districtAdmin.password);
    anonymous = new TestClient(app);
    const academy = await buildOrganisation(db, { name: '枇杷山书院', kind: 'venue', divisionCode: world.community1, ...ORIGIN });
    const museum = await buildOrganisation(db, { name: '渝中区科技馆', kind: 'venue', divisionCode: world.community2, lon: 106.58, lat: 29.56 });
    museumId = museum.id;
    assert.equal((await admin.request('PUT', `/api/directory/organisations/${museum.id}/classification`, { baseCategories: ['science'], providerKind: 'museum' })).status, 200);

    const place = (organisationId: string, name: string, lon: number, lat: number, weekday: number) =>
      admin.post('/api/directory/locations', { organisationId, name, location: { lon, lat, crs: 'WGS-84' }, openingHours: [{ weekday, opens: '09:00', closes: '17:00' }] }).then(created);
    places.academy = await place(academy.id, '书院正门', east(ORIGIN.lon, 100), ORIGIN.lat, 6);
    places.venue = await place(world.orgs.venueA.id, '甲场馆', east(ORIGIN.lon, 400), ORIGIN.lat, 3);
    places.museum = await place(museum.id, '科技馆', 106.58, 29.56, 7);

    const service = (body: Record<string, unknown>) => admin.post('/api/directory/services', body).then(created);
    ids.read = await service({ organisationId: academy.id, name: '枇杷山书院亲子阅读会', serviceType: 'activity', minAge: 6, maxAge: 12, categories: ['heritage'], locationIds: [places.academy], description: '在书院里和孩子一起读经典。' });
    ids.calligraphy = await service({ organisationId: world.orgs.venueA.id, name: '少儿书法兴趣班', serviceType: 'course', minAge: 7, maxAge: 14, isFree: false, categories: ['arts'], locationIds: [places.venue], description: '每周三下午，专业老师教授毛笔字。' });
    ids.weekend = await service({
      organisationId: world.orgs.venueA.id,
      name: '周末书法体验',
      serviceType: 'activity',
      minAge: 5,
      maxAge: 12,
      categories: ['arts'],
      locationIds: [places.venue],
      description: '书法入门：体验书法之美，认识文房四宝。',
      schedules: [{ freq: 'WEEKLY', byday: 'SA,SU', opensAt: '09:30', closesAt: '11:00' }],
    });
    ids.science = await service({ organisationId: museum.id, name: '社区科普讲座', serviceType: 'visit', locationIds: [places.museum], description: '讲座之后有书法作品展示。' });
    ids.pipa = await service({ organisationId: world.orgs.venueA.id, name: '琵琶演奏会', serviceType: 'activity', locationIds: [places.venue], description: '民乐欣赏。' });
    ids.parents = await service({ organisationId: world.orgs.schoolA.id, name: '家长课堂：如何陪伴阅读', serviceType: 'consultation', audience: 'guardians' });
    ids.inactive = await service({ organisationId: world.orgs.venueA.id, name: '书法停课通知', serviceType: 'course', status: 'inactive', locationIds: [places.venue] });
  });

  const search = (query: string, client: TestClient = anonymous) => client.get(`/api/directory/search?${query}`);

  it('finds Chinese words, ranks name matches above description matches, and leaves inactive offers out', async () => {
    const response = await search(`q=${encodeURIComponent('书法')}`);
    assert.equal(response.status, 200, JSON.stringify(response.body));
    assert.deepEqual(names(response.body), ['周末书法体验', '少儿书法兴趣班', '社区科普讲座'], 'name and description, name only, description only');
    assert.deepEqual(response.body.items.map((hit: { match: string }) => hit.match), ['name', 'name', 'text']);
    assert.ok(response.body.items[0].score > response.body.items[1].score);
    assert.equal(response.body.total, 3);
    assert.equal(response.body.totalIsLowerBound, false);
    assert.deepEqual(response.body.query.tokens, ['书法']);
    assert.equal(response.body.near, null);
    assert.equal(response.body.items[0].walkMinutes, null);
  });

  it('returns highlight ranges for the name and a description snippet, never HTML', async () => {
    const response = await search(`q=${encodeURIComponent('书法')}`);
    const [weekend, calligraphy, science] = response.body.items;
    assert.deepEqual(calligraphy.highlights.name, [{ start: 2, end: 4 }]);
    assert.deepEqual(weekend.highlights.name, [{ start: 2, end: 4 }]);
    assert.deepEqual(weekend.highlights.description.spans.map((s: { start: number; end: number }) => weekend.highlights.description.text.slice(s.start, s.end)), ['书法', '书法']);
    assert.deepEqual(science.highlights.name, []);
    assert.equal(science.highlights.description.text, '讲座之后有书法作品展示。');
    assert.deepEqual(science.highlights.description.spans, [{ start: 5, end: 7 }]);
  });

  it('tolerates pinyin: full pinyin, initials, a homophone typo — and says what it matched', async () => {
    for (const q of ['枇杷山', 'pipashan', 'pipa shan', 'PiPaShanShuYuan', 'ppssy', 'shuyuan', '琵琶山书院', '枇杷山 亲子']) {
      const response = await search(`q=${encodeURIComponent(q)}`);
      assert.equal(response.status, 200);
      assert.deepEqual(names(response.body), ['枇杷山书院亲子阅读会'], q);
      assert.equal(response.body.items[0].match, 'name', q);
    }
    const typo = await search(`q=${encodeURIComponent('琵琶山书院')}`);
    assert.deepEqual(typo.body.query.pinyin, ['pipashanshuyuan']);
    assert.deepEqual(typo.body.items[0].highlights.name, [{ start: 0, end: 5 }]);
    const shufa = await search('q=shufa');
    assert.deepEqual(sorted(names(shufa.body)), sorted(['周末书法体验', '少儿书法兴趣班']), 'pinyin covers names, not descriptions');
    for (const q of ['pipashen', 'pashan', 'yuan', 'ppsy']) {
      assert.deepEqual(names((await search(`q=${q}`)).body), [], `${q}: wrong syllables, and pinyin starting inside a word, are not tolerated`);
    }
  });

  it('ranks exact characters above homophones', async () => {
    const response = await search(`q=${encodeURIComponent('琵琶')}`);
    assert.deepEqual(names(response.body), ['琵琶演奏会', '枇杷山书院亲子阅读会']);
    assert.ok(response.body.items[0].score > response.body.items[1].score);
  });

  it('filters: category (own or inherited), age, provider kind, organisation kind, weekday, free, type, division', async () => {
    const expectNames = async (query: string, expected: string[]) => {
      const response = await search(query);
      assert.equal(response.status, 200, `${query}: ${JSON.stringify(response.body)}`);
      assert.deepEqual(sorted(names(response.body)), sorted(expected), query);
      assert.equal(response.body.total, expected.length, query);
    };
    await expectNames('category=arts', ['少儿书法兴趣班', '周末书法体验']);
    await expectNames('category=science', ['社区科普讲座']);
    await expectNames('age=13', ['少儿书法兴趣班', '社区科普讲座', '琵琶演奏会', '家长课堂：如何陪伴阅读']);
    await expectNames('providerKind=museum', ['社区科普讲座']);
    await expectNames('kind=school', ['家长课堂：如何陪伴阅读']);
    await expectNames('openOn=6', ['枇杷山书院亲子阅读会', '周末书法体验']);
    await expectNames('openOn=3', ['少儿书法兴趣班', '周末书法体验', '琵琶演奏会']);
    await expectNames('free=false', ['少儿书法兴趣班']);
    await expectNames('serviceType=consultation', ['家长课堂：如何陪伴阅读']);
    await expectNames(`divisionCode=${world.community2}`, ['社区科普讲座']);
    await expectNames(`divisionCode=${world.divisions.subdistricts[1]}`, ['社区科普讲座']);
    await expectNames(`divisionCode=${world.divisions.district}`, ['枇杷山书院亲子阅读会', '少儿书法兴趣班', '周末书法体验', '社区科普讲座', '琵琶演奏会', '家长课堂：如何陪伴阅读']);
    await expectNames(`q=${encodeURIComponent('书法')}&free=true&openOn=7`, ['周末书法体验', '社区科普讲座']);
    await expectNames(`q=${encodeURIComponent('书法')}&free=true&openOn=7&kind=venue&providerKind=museum`, ['社区科普讲座']);
    await expectNames(`q=${encodeURIComponent('书法')}&category=arts&age=6`, ['周末书法体验']);
  });

  it('within N walking minutes of a point (estimate mode): exact minutes per result, nearest first, the method stated', async () => {
    const response = await search(`near=${ORIGIN.lon},${ORIGIN.lat}&minutes=10`);
    assert.equal(response.status, 200, JSON.stringify(response.body));
    assert.equal(response.body.near.method, 'estimate');
    assert.equal(response.body.near.source, 'point');
    assert.equal(response.body.near.minutes, 10);
    const minutes = Object.fromEntries(response.body.items.map((hit: { service: { name: string }; walkMinutes: number }) => [hit.service.name, hit.walkMinutes]));
    assert.deepEqual(Object.keys(minutes).slice(0, 2), ['家长课堂：如何陪伴阅读', '枇杷山书院亲子阅读会'], 'nearest first (the school has no place: its own location counts)');
    assert.equal(minutes['家长课堂：如何陪伴阅读'], 0);
    assert.equal(minutes['枇杷山书院亲子阅读会'], Math.round(((100 * 1.4) / 1.25 / 60) * 10) / 10);
    assert.equal(minutes['少儿书法兴趣班'], Math.round(((400 * 1.4) / 1.25 / 60) * 10) / 10);
    assert.equal(minutes['社区科普讲座'], undefined, 'three kilometres away');
    assert.ok(response.body.items.every((hit: { walkMethod: string }) => hit.walkMethod === 'estimate'));
    assert.equal(response.body.total, 5);

    const five = await search(`near=${ORIGIN.lon},${ORIGIN.lat}&minutes=5`);
    assert.deepEqual(sorted(names(five.body)), sorted(['家长课堂：如何陪伴阅读', '枇杷山书院亲子阅读会']), '400 m × 1.4 at 1.25 m/s is 7.5 min');

    const withText = await search(`q=${encodeURIComponent('书法')}&near=${ORIGIN.lon},${ORIGIN.lat}`);
    assert.deepEqual(names(withText.body), ['周末书法体验', '少儿书法兴趣班'], 'ranked by text, the museum talk is out of range');
    assert.equal(withText.body.near.minutes, 15, 'default 15 minutes');

    const gcj = await search(`near=106.5544,29.5472&crs=GCJ-02&minutes=5`);
    assert.equal(gcj.status, 200);
    assert.ok(Math.abs(gcj.body.near.lon - 106.55) < 0.002 && Math.abs(gcj.body.near.lat - 29.55) < 0.002, 'GCJ-02 input is converted to WGS-84');
  });

  it("near my child's school: guardians only, audited as a read of the child's data", async () => {
    const { db } = fixture();
    const parent = await TestClient.signedIn(app, world.users.parentA.login, world.users.parentA.password);
    const childId = world.familyA.children[0]!.id;
    const response = await search(`nearChildSchool=${childId}&minutes=5`, parent);
    assert.equal(response.status, 200, JSON.stringify(response.body));
    assert.equal(response.body.near.source, 'child_school');
    assert.equal(response.body.near.schoolName, '甲小学');
    assert.deepEqual(sorted(names(response.body)), sorted(['家长课堂：如何陪伴阅读', '枇杷山书院亲子阅读会']));
    const audit = await db.selectFrom('audit_events').selectAll().where('action', '=', 'child.read').where('resource_id', '=', childId).execute();
    assert.equal(audit.length, 1);
    assert.equal(audit[0]!.actor_user_id, world.users.parentA.id);
    assert.equal((audit[0]!.detail as { purpose: string }).purpose, 'directory_search_near_school');

    const other = await TestClient.signedIn(app, world.users.parentB.login, world.users.parentB.password);
    const denied = await search(`nearChildSchool=${childId}`, other);
    assert.equal(denied.status, 403);
    assert.equal(denied.body.error, 'out_of_scope');
    const staff = await search(`nearChildSchool=${childId}`, admin);
    assert.equal(staff.status, 403, 'district staff are not guardians');
    assert.equal((await search(`nearChildSchool=${childId}`)).status, 401);
    assert.equal((await search(`nearChildSchool=${crypto.randomUUID()}`, parent)).status, 404);

    const noSchool = await buildFamily(db, { guardianIds: [world.users.parentA.id], children: [{ displayName: '在家', schoolId: null }] });
    const again = await TestClient.signedIn(app, world.users.parentA.login, world.users.parentA.password);
    const missing = await search(`nearChildSchool=${noSchool.children[0]!.id}`, again);
    assert.equal(missing.status, 400);
    assert.equal(missing.body.issues[0].path, 'nearChildSchool');
  });

  it("near my home: the family's own point, set and read by its guardians only, never shown to staff", async () => {
    const { db } = fixture();
    const parent = await TestClient.signedIn(app, world.users.parentA.login, world.users.parentA.password);
    const familyId = world.familyA.family.id;
    assert.deepEqual((await parent.get(`/api/families/${familyId}/home`)).body, { home: null });
    const none = await search(`nearHome=${familyId}`, parent);
    assert.equal(none.status, 400);
    assert.equal(none.body.issues[0].path, 'nearHome');

    // Refused for anyone but the family's guardians, and nothing written.
    const other = await TestClient.signedIn(app, world.users.parentB.login, world.users.parentB.password);
    for (const client of [other, admin]) {
      assert.equal((await client.request('PUT', `/api/families/${familyId}/home`, { lon: ORIGIN.lon, lat: ORIGIN.lat })).body.error, 'out_of_scope');
      assert.equal((await client.get(`/api/families/${familyId}/home`)).body.error, 'out_of_scope');
    }
    assert.equal((await db.selectFrom('family_homes').selectAll().execute()).length, 0);

    // Given in GCJ-02 (what Chinese map apps show), stored in WGS-84.
    const [gcjLon, gcjLat] = gcoord.transform([ORIGIN.lon, ORIGIN.lat], gcoord.WGS84, gcoord.GCJ02) as [number, number];
    const saved = await parent.request('PUT', `/api/families/${familyId}/home`, { lon: gcjLon, lat: gcjLat, crs: 'GCJ-02', label: '家' });
    assert.equal(saved.status, 200, JSON.stringify(saved.body));
    assert.equal(saved.body.home.sourceCrs, 'GCJ-02');
    assert.ok(Math.abs(saved.body.home.lon - ORIGIN.lon) < 1e-5 && Math.abs(saved.body.home.lat - ORIGIN.lat) < 1e-5, 'converted back to WGS-84');

    const near = await search(`nearHome=${familyId}&minutes=5`, parent);
    assert.equal(near.status, 200, JSON.stringify(near.body));
    assert.equal(near.body.near.source, 'home');
    const fromPoint = await search(`near=${saved.body.home.lon},${saved.body.home.lat}&minutes=5`);
    assert.deepEqual(names(near.body), names(fromPoint.body), 'the same places as searching from the point itself');
    assert.equal((await search(`nearHome=${familyId}`, other)).body.error, 'out_of_scope');
    assert.equal((await search(`nearHome=${familyId}`)).status, 401);
    assert.equal((await search(`nearHome=${familyId}&near=${ORIGIN.lon},${ORIGIN.lat}`, parent)).status, 400);

    // Staff who may read the family (district support) do not see the home in it.
    const family = await admin.get(`/api/families/${familyId}`);
    assert.equal(family.status, 200);
    assert.ok(!JSON.stringify(family.body).includes(String(saved.body.home.lon)), 'the family view carries no home point');

    const actions = (await db.selectFrom('audit_events').select('action').where('resource_id', '=', familyId).where('action', 'like', 'family.home_%').execute()).map((a) => a.action);
    assert.deepEqual(actions.sort(), ['family.home_read', 'family.home_set']);
    const audited = await db.selectFrom('audit_events').select('detail').where('action', '=', 'family.home_set').executeTakeFirstOrThrow();
    assert.ok(!JSON.stringify(audited.detail).includes(String(gcjLon).slice(0, 6)), 'the audit log says that it changed, not where');

    assert.equal((await parent.delete(`/api/families/${familyId}/home`)).status, 200);
    assert.deepEqual((await parent.get(`/api/families/${familyId}/home`)).body, { home: null });
    assert.equal((await parent.delete(`/api/families/${familyId}/home`)).body.error, 'not_found');
  });

  it('bad input is a precise 400 naming the parameter', async () => {
    const expect400 = async (query: string, path: string) => {
      const response = await search(query);
      assert.equal(response.status, 400, `${query}: ${JSON.stringify(response.body)}`);
      assert.equal(response.body.error, 'validation_failed');
      assert.ok(response.body.issues.some((issue: { path: string }) => issue.path === path), `${query}: ${JSON.stringify(response.body.issues)}`);
    };
    await expect400('near=106.5', 'near');
    await expect400('near=200,29', 'near');
    await expect400(`near=106.55,29.55&nearChildSchool=${world.familyA.children[0]!.id}`, 'nearChildSchool');
    await expect400('minutes=10', 'minutes');
    await expect400('near=106.55,29.55&minutes=0', 'minutes');
    await expect400('near=106.55,29.55&minutes=61', 'minutes');
    await expect400('crs=GCJ-02', 'crs');
    await expect400('near=106.55,29.55&crs=EPSG:3857', 'crs');
    await expect400('category=unknown_category', 'category');
    await expect400('providerKind=nope', 'providerKind');
    await expect400('age=-1', 'age');
    await expect400('openOn=8', 'openOn');
    await expect400('free=yes', 'free');
    await expect400('limit=51', 'limit');
    await expect400(`offset=${SEARCH_WINDOW - 10}&limit=20`, 'offset');
    await expect400(`q=${'书'.repeat(101)}`, 'q');
    await expect400('nearChildSchool=not-a-uuid', 'nearChildSchool');
    await expect400('surprise=1', '');
    const punctuation = await search(`q=${encodeURIComponent("%%<>'\\:*&|!()")}`);
    assert.equal(punctuation.status, 200, 'a query without letters or digits lists everything');
    assert.deepEqual(punctuation.body.query.tokens, []);
    assert.equal(punctuation.body.total, 6);
  });

  it('re-indexes on every directory write, in the same transaction', async () => {
    assert.equal((await admin.patch(`/api/directory/services/${ids.pipa}`, { name: '古筝演奏会' })).status, 200);
    assert.deepEqual(names((await search(`q=${encodeURIComponent('古筝')}`)).body), ['古筝演奏会']);
    assert.deepEqual(names((await search(`q=${encodeURIComponent('琵琶')}`)).body), ['枇杷山书院亲子阅读会'], 'only the homophone is left');

    assert.equal((await admin.patch(`/api/directory/locations/${places.museum}`, { location: { lon: east(ORIGIN.lon, 50), lat: north(ORIGIN.lat, 50), crs: 'WGS-84' } })).status, 200);
    assert.ok(names((await search(`near=${ORIGIN.lon},${ORIGIN.lat}&minutes=5`)).body).includes('社区科普讲座'), 'the place moved next door');

    assert.equal((await admin.request('PUT', `/api/directory/organisations/${museumId}/classification`, { baseCategories: ['ecology'] })).status, 200);
    assert.deepEqual(names((await search('category=ecology')).body), ['社区科普讲座']);
    assert.deepEqual(names((await search('category=science')).body), []);

    const terms = await admin.get('/api/directory/taxonomies');
    const arts = terms.body.items.find((t: { id: string }) => t.id === 'base_category').terms.find((t: { code: string }) => t.code === 'arts');
    assert.equal((await admin.patch(`/api/directory/terms/${arts.id}`, { name: '美术书画' })).status, 200);
    assert.deepEqual(sorted(names((await search(`q=${encodeURIComponent('美术')}`)).body)), sorted(['少儿书法兴趣班', '周末书法体验']), 'category names are searchable');

    assert.equal((await admin.patch(`/api/directory/services/${ids.calligraphy}`, { status: 'inactive' })).status, 200);
    assert.ok(!names((await search(`q=${encodeURIComponent('书法')}`)).body).includes('少儿书法兴趣班'));
  });

  it('catches up at boot: missing rows, rows from an older indexer, organisations changed elsewhere', async () => {
    const { db } = fixture();
    const count = async () => Number((await sql<{ n: number }>`select count(*)::int as n from service_search`.execute(db)).rows[0]!.n);
    const services = Number((await db.selectFrom('services').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
    assert.equal(await count(), services, 'every service is indexed by its writes');
    assert.equal(await reindexStale(db), 0, 'idempotent');

    await sql`delete from service_search where service_id = ${ids.read}`.execute(db);
    await sql`update service_search set indexer_version = 0 where service_id = ${ids.weekend}`.execute(db);
    // The registry renames an organisation (a write outside the directory module): it bumps the version.
    await db.updateTable('organisations').set((eb) => ({ name: '鹅岭自然教育中心', version: eb('version', '+', 1) })).where('id', '=', museumId).execute();
    const lines: string[] = [];
    assert.equal(await reindexStale(db, (line) => lines.push(line)), 3);
    assert.match(lines[0]!, /search index: 3 services indexed in \d+ ms/);
    assert.equal(await count(), services);
    assert.deepEqual(names((await search(`q=${encodeURIComponent('鹅岭')}`)).body), ['社区科普讲座']);
    assert.deepEqual(names((await search('q=pipashan')).body), ['枇杷山书院亲子阅读会']);
  });

  it(`counts at most ${SEARCH_WINDOW} matches and says the total is a lower bound; pages stay within the window`, async () => {
    const { db } = fixture();
    await sql`
      insert into services (organisation_id, name, description, service_type)
      select ${world.orgs.venueB.id}, '社区亲子活动第' || i || '期', '亲子共读', 'activity' from generate_series(1, ${SEARCH_WINDOW + 20}) i`.execute(db);
    await reindexStale(db);
    const first = await search(`q=${encodeURIComponent('亲子')}&limit=5`);
    assert.equal(first.status, 200);
    assert.equal(first.body.total, SEARCH_WINDOW);
    assert.equal(first.body.totalIsLowerBound, true);
    assert.equal(first.body.items.length, 5);
    const last = await search(`q=${encodeURIComponent('亲子')}&limit=10&offset=${SEARCH_WINDOW - 10}`);
    assert.equal(last.body.items.length, 10);
    const browse = await search('limit=1');
    assert.equal(browse.body.totalIsLowerBound, true);
    const rare = await search(`q=${encodeURIComponent('古筝')}`);
    assert.equal(rare.body.total, 1);
    assert.equal(rare.body.totalIsLowerBound, false);
  });
});

/**
 * A tiny street graph: a U-shaped footway from the origin 600 m east, 300 m north and 600 m back west. A place at the
 * end of the U is 300 m from the origin as the crow flies but 1.5 km (20 min) along the street.
 */
function uStreetXml(): string {
  const corners = [
    [ORIGIN.lon, ORIGIN.lat],
    [east(ORIGIN.lon, 600), ORIGIN.lat],
    [east(ORIGIN.lon, 600), north(ORIGIN.lat, 300)],
    [ORIGIN.lon, north(ORIGIN.lat, 300)],
  ];
  const nodes = corners.map(([lon, lat], i) => `<node id="${i + 1}" lat="${lat}" lon="${lon}"/>`).join('');
  return `<?xml version="1.0"?><osm version="0.6">${nodes}<way id="10"><nd ref="1"/><nd ref="2"/><nd ref="3"/><nd ref="4"/><tag k="highway" v="footway"/></way></osm>`;
}

describe('directory search in network mode (hand-made street graph)', () => {
  let graph: WalkGraph;
  before(async () => {
    ({ graph } = await buildGraph(XmlSource.fromString(uStreetXml())));
  });

  describeEachDatabase('U street', (fixture) => {
    let app: TestApp;
    before(async () => {
      const { db, database, config } = fixture();
      const world = await buildWorld(db);
      app = buildTestApp(database, config, { reachEngine: ReachEngine.fromGraph(graph, 'u-street.graph') });
      const admin = await TestClient.signedIn(app, world.users.districtAdmin.login, world.users.districtAdmin.password);
      const add = async (name: string, lon: number, lat: number) => {
        const place = await admin.post('/api/directory/locations', { organisationId: world.orgs.venueA.id, name, location: { lon, lat, crs: 'WGS-84' } });
        assert.equal(place.status, 201);
        assert.equal((await admin.post('/api/directory/services', { organisationId: world.orgs.venueA.id, name, serviceType: 'visit', locationIds: [place.body.id] })).status, 201);
      };
      await add('街边书屋', east(ORIGIN.lon, 300), ORIGIN.lat);
      await add('对岸书屋', ORIGIN.lon, north(ORIGIN.lat, 300));
    });

    it('walks the streets: the place across the U is out of a 10-minute range although 300 m away', async () => {
      const response = await new TestClient(app).get(`/api/directory/search?q=${encodeURIComponent('书屋')}&near=${ORIGIN.lon},${ORIGIN.lat}&minutes=10`);
      assert.equal(response.status, 200, JSON.stringify(response.body));
      assert.equal(response.body.near.method, 'network');
      assert.deepEqual(names(response.body), ['街边书屋']);
      assert.equal(response.body.items[0].walkMethod, 'network');
      assert.ok(Math.abs(response.body.items[0].walkMinutes - 300 / 1.25 / 60) < 0.2, `${response.body.items[0].walkMinutes} min for 300 m`);
      const wider = await new TestClient(app).get(`/api/directory/search?near=${ORIGIN.lon},${ORIGIN.lat}&minutes=25`);
      const across = wider.body.items.find((hit: { service: { name: string } }) => hit.service.name === '对岸书屋');
      assert.ok(across && Math.abs(across.walkMinutes - 1500 / 1.25 / 60) < 0.3, `around the U: ${across?.walkMinutes}`);
    });

    it('a point far from every street is 422 point_outside_graph', async () => {
      const response = await new TestClient(app).get('/api/directory/search?near=106.58,29.57');
      assert.equal(response.status, 422);
      assert.equal(response.body.error, 'point_outside_graph');
    });
  });
});
