import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { describeEachDatabase } from '../../../../test/support/databases.ts';
import { buildUser } from '../../../../test/support/factories.ts';
import { buildTestApp, TestClient, type TestApp } from '../../../../test/support/http.ts';
import { buildWorld, tableCounts, type World } from '../../../../test/support/world.ts';

type ActorName = keyof World['users'] | 'anonymous';

interface Case {
  name: string;
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: (w: World) => string;
  body?: (w: World, fresh: { userId: string }) => unknown;
  /** actor → expected status (and error id for denials). */
  expect: Partial<Record<ActorName, number | [number, string]>>;
}

const cases: Case[] = [
  {
    name: 'my learning in the course library (guardians only)',
    method: 'GET',
    path: () => '/api/classes/library/mine',
    expect: { parentA: 200, parentB: 200, centreStaff: [403, 'forbidden'], schoolAdminA: [403, 'forbidden'], teacherA: [403, 'forbidden'], anonymous: [401, 'unauthenticated'] },
  },
  {
    name: 'library recommendations (guardians only)',
    method: 'GET',
    path: () => '/api/classes/library/recommendations',
    expect: { parentA: 200, districtAdmin: [403, 'forbidden'], communityAdmin1: [403, 'forbidden'], anonymous: [401, 'unauthenticated'] },
  },
  {
    name: 'read the audit log',
    method: 'GET',
    path: () => '/api/audit',
    expect: { districtAdmin: 200, centreStaff: [403, 'forbidden'], schoolAdminA: [403, 'forbidden'], parentA: [403, 'forbidden'], anonymous: [401, 'unauthenticated'] },
  },
  {
    name: "read family A (child at school A)",
    method: 'GET',
    path: (w) => `/api/families/${w.familyA.family.id}`,
    expect: {
      parentA: 200,
      parentB: [403, 'out_of_scope'],
      schoolAdminA: 200,
      teacherA: 200,
      schoolAdminB: [403, 'out_of_scope'],
      districtAdmin: 200,
      centreStaff: [403, 'out_of_scope'],
      communityAdmin1: [403, 'out_of_scope'],
      venueManagerA: [403, 'out_of_scope'],
      anonymous: [401, 'unauthenticated'],
    },
  },
  {
    name: 'add a child to family A',
    method: 'POST',
    path: (w) => `/api/families/${w.familyA.family.id}/children`,
    body: () => ({ displayName: '新孩子', birthYear: 2018 }),
    expect: { parentA: 201, parentB: [403, 'out_of_scope'], schoolAdminA: [403, 'out_of_scope'], districtAdmin: [403, 'out_of_scope'], anonymous: [401, 'unauthenticated'] },
  },
  {
    name: 'invite a guardian to family A',
    method: 'POST',
    path: (w) => `/api/families/${w.familyA.family.id}/invitations`,
    body: () => ({ relation: '奶奶' }),
    expect: { parentA: 201, parentB: [403, 'out_of_scope'], teacherA: [403, 'out_of_scope'] },
  },
  {
    name: 'edit school A',
    method: 'PATCH',
    path: (w) => `/api/registry/organisations/${w.orgs.schoolA.id}`,
    body: () => ({ address: '测试路1号' }),
    expect: {
      schoolAdminA: 200,
      districtAdmin: 200,
      centreStaff: 200,
      schoolAdminB: [403, 'out_of_scope'],
      teacherA: [403, 'out_of_scope'],
      communityAdmin1: [403, 'out_of_scope'],
      venueManagerA: [403, 'out_of_scope'],
      parentA: [403, 'out_of_scope'],
      anonymous: [401, 'unauthenticated'],
    },
  },
  {
    name: 'edit venue A (community 1)',
    method: 'PATCH',
    path: (w) => `/api/registry/organisations/${w.orgs.venueA.id}`,
    body: () => ({ address: '测试路2号' }),
    expect: { venueManagerA: 200, communityAdmin1: 200, schoolAdminA: [403, 'out_of_scope'], parentB: [403, 'out_of_scope'] },
  },
  {
    name: 'edit venue B (community 2)',
    method: 'PATCH',
    path: (w) => `/api/registry/organisations/${w.orgs.venueB.id}`,
    body: () => ({ address: '测试路3号' }),
    expect: { venueManagerA: [403, 'out_of_scope'], communityAdmin1: [403, 'out_of_scope'], districtAdmin: 200 },
  },
  {
    name: 'a school admin cannot change the kind of their school',
    method: 'PATCH',
    path: (w) => `/api/registry/organisations/${w.orgs.schoolA.id}`,
    body: () => ({ kind: 'venue' }),
    expect: { schoolAdminA: [403, 'forbidden'] },
  },
  {
    name: 'add a venue in community 1',
    method: 'POST',
    path: () => '/api/registry/organisations',
    body: (w) => ({ name: `新场馆${Math.random()}`, kind: 'venue', divisionCode: w.community1 }),
    expect: { communityAdmin1: 201, districtAdmin: 201, centreStaff: 201, schoolAdminA: [403, 'forbidden'], venueManagerA: [403, 'forbidden'], parentA: [403, 'forbidden'] },
  },
  {
    name: 'add a venue in community 2',
    method: 'POST',
    path: () => '/api/registry/organisations',
    body: (w) => ({ name: `新场馆${Math.random()}`, kind: 'venue', divisionCode: w.community2 }),
    expect: { communityAdmin1: [403, 'out_of_scope'] },
  },
  {
    name: 'add a school',
    method: 'POST',
    path: () => '/api/registry/organisations',
    body: (w) => ({ name: `新学校${Math.random()}`, kind: 'school', divisionCode: w.community1 }),
    expect: { communityAdmin1: [403, 'forbidden'], districtAdmin: 201 },
  },
  {
    name: 'list users',
    method: 'GET',
    path: () => '/api/admin/users',
    expect: { districtAdmin: 200, schoolAdminA: 200, communityAdmin1: 200, centreStaff: [403, 'forbidden'], teacherA: [403, 'forbidden'], parentA: [403, 'forbidden'] },
  },
  {
    name: 'grant teacher at school A',
    method: 'POST',
    path: () => '/api/admin/users/{fresh}/roles',
    body: (w) => ({ role: 'teacher', scopeType: 'organisation', scopeId: w.orgs.schoolA.id }),
    expect: { schoolAdminA: 201, districtAdmin: 201, schoolAdminB: [403, 'out_of_scope'], communityAdmin1: [403, 'out_of_scope'], teacherA: [403, 'forbidden'], parentA: [403, 'forbidden'] },
  },
  {
    name: 'grant district admin',
    method: 'POST',
    path: () => '/api/admin/users/{fresh}/roles',
    body: (w) => ({ role: 'district_admin', scopeType: 'district', scopeId: w.divisions.district }),
    expect: { districtAdmin: 201, schoolAdminA: [403, 'forbidden'], communityAdmin1: [403, 'forbidden'], centreStaff: [403, 'forbidden'] },
  },
  {
    name: 'grant venue manager at venue A (community 1)',
    method: 'POST',
    path: () => '/api/admin/users/{fresh}/roles',
    body: (w) => ({ role: 'venue_manager', scopeType: 'organisation', scopeId: w.orgs.venueA.id }),
    expect: { communityAdmin1: 201, schoolAdminA: [403, 'forbidden'] },
  },
  {
    name: 'grant venue manager at venue B (community 2)',
    method: 'POST',
    path: () => '/api/admin/users/{fresh}/roles',
    body: (w) => ({ role: 'venue_manager', scopeType: 'organisation', scopeId: w.orgs.venueB.id }),
    expect: { communityAdmin1: [403, 'out_of_scope'], districtAdmin: 201 },
  },
  {
    name: 'read the district map',
    method: 'GET',
    path: () => '/api/registry/map',
    expect: { districtAdmin: 200, parentA: 200, teacherA: 200, venueManagerA: 200, anonymous: [401, 'unauthenticated'] },
  },
  {
    name: 'add an offer at venue A',
    method: 'POST',
    path: () => '/api/directory/services',
    body: (w) => ({ organisationId: w.orgs.venueA.id, name: '矩阵测试活动', serviceType: 'activity' }),
    expect: { venueManagerA: 201, communityAdmin1: 201, districtAdmin: 201, schoolAdminA: [403, 'out_of_scope'], teacherA: [403, 'out_of_scope'], parentA: [403, 'out_of_scope'], anonymous: [401, 'unauthenticated'] },
  },
  {
    name: 'add an offer at school A',
    method: 'POST',
    path: () => '/api/directory/services',
    body: (w) => ({ organisationId: w.orgs.schoolA.id, name: '矩阵测试家长课', serviceType: 'course' }),
    expect: { schoolAdminA: 201, schoolAdminB: [403, 'out_of_scope'], communityAdmin1: [403, 'out_of_scope'], venueManagerA: [403, 'out_of_scope'] },
  },
  {
    name: 'add a base category term',
    method: 'POST',
    path: () => '/api/directory/taxonomies/base_category/terms',
    body: () => ({ code: `matrix_${Math.floor(Math.random() * 1e9)}`, name: '矩阵', nameEn: 'Matrix' }),
    expect: { districtAdmin: 201, centreStaff: 201, schoolAdminA: [403, 'forbidden'], communityAdmin1: [403, 'forbidden'], parentA: [403, 'forbidden'] },
  },
  {
    name: 'run district coverage',
    method: 'POST',
    path: () => '/api/reach/coverage-runs',
    body: () => ({ cellM: 500 }),
    expect: { districtAdmin: 201, schoolAdminA: [403, 'forbidden'], communityAdmin1: [403, 'forbidden'], parentA: [403, 'forbidden'], anonymous: [401, 'unauthenticated'] },
  },
  {
    name: 'create an API token',
    method: 'POST',
    path: () => '/api/me/tokens',
    body: () => ({ name: 'integration' }),
    expect: { districtAdmin: 201, schoolAdminA: 201, parentA: [403, 'forbidden'], anonymous: [401, 'unauthenticated'] },
  },
  {
    name: 'add a course to the parent-school catalogue',
    method: 'POST',
    path: () => '/api/classes/courses',
    body: () => ({ tier: 'required', topic: 'family_education', title: '矩阵测试课程', format: 'in_person', durationMinutes: 60 }),
    expect: {
      districtAdmin: 201,
      centreStaff: 201,
      schoolAdminA: [403, 'forbidden'],
      teacherA: [403, 'forbidden'],
      communityAdmin1: [403, 'forbidden'],
      parentA: [403, 'forbidden'],
      anonymous: [401, 'unauthenticated'],
    },
  },
  {
    name: 'list the organisations one may offer points rewards for',
    method: 'GET',
    path: () => '/api/points/reward-partners',
    expect: {
      districtAdmin: 200,
      centreStaff: 200,
      venueManagerA: 200,
      schoolAdminA: 200,
      communityAdmin1: 200,
      teacherA: [403, 'forbidden'],
      parentA: [403, 'forbidden'],
      anonymous: [401, 'unauthenticated'],
    },
  },
  {
    name: 'create a class at school A',
    method: 'POST',
    path: () => '/api/classes',
    body: (w) => ({ organisationId: w.orgs.schoolA.id, mode: 'flexible', title: '矩阵测试课堂' }),
    expect: {
      schoolAdminA: 201,
      teacherA: 201,
      districtAdmin: 201,
      schoolAdminB: [403, 'out_of_scope'],
      venueManagerA: [403, 'out_of_scope'],
      parentA: [403, 'out_of_scope'],
      anonymous: [401, 'unauthenticated'],
    },
  },
  {
    name: "read family A's class calendar",
    method: 'GET',
    path: (w) => `/api/classes/families/${w.familyA.family.id}/calendar.ics`,
    expect: { parentA: 200, parentB: [403, 'out_of_scope'], teacherA: [403, 'out_of_scope'], districtAdmin: [403, 'out_of_scope'], anonymous: [401, 'unauthenticated'] },
  },
  {
    name: "make family A's secret calendar link",
    method: 'POST',
    path: (w) => `/api/classes/families/${w.familyA.family.id}/calendar-feed`,
    body: () => ({}),
    expect: { parentA: 201, parentB: [403, 'out_of_scope'], schoolAdminA: [403, 'out_of_scope'], districtAdmin: [403, 'out_of_scope'], anonymous: [401, 'unauthenticated'] },
  },
  {
    name: "set family A's home point",
    method: 'PUT',
    path: (w) => `/api/families/${w.familyA.family.id}/home`,
    body: () => ({ lon: 106.57, lat: 29.55 }),
    expect: { parentA: 200, parentB: [403, 'out_of_scope'], schoolAdminA: [403, 'out_of_scope'], teacherA: [403, 'out_of_scope'], districtAdmin: [403, 'out_of_scope'], anonymous: [401, 'unauthenticated'] },
  },
  {
    name: "read family A's home point",
    method: 'GET',
    path: (w) => `/api/families/${w.familyA.family.id}/home`,
    expect: { parentA: 200, parentB: [403, 'out_of_scope'], schoolAdminA: [403, 'out_of_scope'], districtAdmin: [403, 'out_of_scope'], anonymous: [401, 'unauthenticated'] },
  },
  {
    name: 'list points terms and rules',
    method: 'GET',
    path: () => '/api/points/terms',
    expect: { districtAdmin: 200, centreStaff: 200, schoolAdminA: [403, 'forbidden'], communityAdmin1: [403, 'forbidden'], venueManagerA: [403, 'forbidden'], parentA: [403, 'forbidden'], anonymous: [401, 'unauthenticated'] },
  },
  {
    name: 'offer a points reward for venue A (community 1)',
    method: 'POST',
    path: () => '/api/points/rewards',
    body: (w) => ({ organisationId: w.orgs.venueA.id, title: '测试奖励', cost: 5, stock: 1 }),
    expect: {
      venueManagerA: 201,
      communityAdmin1: 201,
      districtAdmin: 201,
      schoolAdminA: [403, 'out_of_scope'],
      schoolAdminB: [403, 'out_of_scope'],
      teacherA: [403, 'forbidden'],
      parentA: [403, 'forbidden'],
      anonymous: [401, 'unauthenticated'],
    },
  },
];

describeEachDatabase('role × scope matrix', (fixture) => {
  let world: World;
  let app: TestApp;
  const clients = new Map<ActorName, TestClient>();

  before(async () => {
    const { db, database, config } = fixture();
    world = await buildWorld(db);
    app = buildTestApp(database, config);
    clients.set('anonymous', new TestClient(app));
    for (const [name, user] of Object.entries(world.users)) {
      clients.set(name as ActorName, await TestClient.signedIn(app, user.login, user.password));
    }
  });

  for (const testCase of cases) {
    for (const [actor, expected] of Object.entries(testCase.expect)) {
      const [status, errorId] = Array.isArray(expected) ? expected : [expected, undefined];
      const allowed = status < 400;
      it(`${testCase.name}: ${actor} → ${status}${errorId ? ` ${errorId}` : ''}`, async () => {
        const { db } = fixture();
        const fresh = await buildUser(db);
        const path = testCase.path(world).replace('{fresh}', fresh.id);
        const body = testCase.body?.(world, { userId: fresh.id });
        const before = allowed ? null : await tableCounts(db);
        const response = await clients.get(actor as ActorName)!.request(testCase.method, path, body);
        assert.equal(response.status, status, `${testCase.method} ${path} as ${actor}: ${JSON.stringify(response.body)}`);
        if (errorId) assert.equal(response.body.error, errorId);
        if (before) assert.deepEqual(await tableCounts(db), before, 'a denied request must write nothing');
      });
    }
  }

  it('child mode sees only child-safe screens', async () => {
    const { db } = fixture();
    const guardian = await buildUser(db);
    const { buildFamily, TEST_PIN } = await import('../../../../test/support/factories.ts');
    const { children } = await buildFamily(db, { guardianIds: [guardian.id] });
    const client = await TestClient.signedIn(app, guardian.login, guardian.password);
    const entered = await client.post('/api/auth/child-mode', { childId: children[0]!.id, pin: TEST_PIN });
    assert.equal(entered.status, 200);
    assert.equal(entered.body.child.id, children[0]!.id);
    assert.deepEqual(entered.body.roles, []);
    const home = await client.get('/api/home');
    assert.equal(home.status, 200);
    assert.deepEqual(home.body.sections.map((s: { kind: string }) => s.kind), ['child']);
    for (const path of ['/api/families', `/api/families/${world.familyA.family.id}`, '/api/registry/map', '/api/admin/users', '/api/audit']) {
      const denied = await client.get(path);
      assert.equal(denied.status, 403, path);
      assert.equal(denied.body.error, 'child_mode', path);
    }
    const wrongExit = await client.post('/api/auth/child-mode/exit', { password: 'wrong-password-1' });
    assert.equal(wrongExit.status, 401);
    assert.equal((await client.get('/api/families')).status, 403, 'still in child mode after a wrong password');
    const exited = await client.post('/api/auth/child-mode/exit', { password: guardian.password });
    assert.equal(exited.status, 200);
    assert.equal(exited.body.child, null);
    assert.equal((await client.get('/api/families')).status, 200);
  });
});
