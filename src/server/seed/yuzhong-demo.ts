import path from 'node:path';
import { sql, type Kysely } from 'kysely';
import type { Crs, DB, OrgKind } from '../db/types.ts';
import { hashSecret } from '../lib/crypto.ts';
import { pointInRing, toWgs84, type Ring } from '../lib/geo.ts';
import { anchorsToWgs84, importRegistry, readBoundary, readDivisionsCsv, seededRandom, shortDivisionName } from './registry-import.ts';

export const YUZHONG_DATA_DIR = path.join(import.meta.dirname, 'data/yuzhong');
export const DEMO_PASSWORD = 'Coedu@2026';
export const DEMO_CHILD_PIN = '1234';
const SEED_KEY = 'seed:yuzhong-demo';
const SEED_VERSION = 1;
const DISTRICT = { code: '500103', name: '渝中区' };

/**
 * Approximate centres of Yuzhong's 11 subdistricts (GCJ-02, read off a public map at street level). They only
 * anchor the illustrative subdistrict areas and are labelled illustrative wherever shown.
 */
const SUBDISTRICT_ANCHORS_GCJ02: Record<string, [number, number]> = {
  '500103013': [106.512, 29.551], // 化龙桥
  '500103012': [106.524, 29.5435], // 大坪
  '500103014': [106.507, 29.538], // 石油路
  '500103004': [106.548, 29.553], // 两路口
  '500103005': [106.548, 29.5635], // 上清寺
  '500103011': [106.5595, 29.5655], // 大溪沟
  '500103007': [106.546, 29.5455], // 菜园坝
  '500103001': [106.5645, 29.5575], // 七星岗
  '500103008': [106.5695, 29.5485], // 南纪门
  '500103003': [106.578, 29.5575], // 解放碑
  '500103010': [106.586, 29.5635], // 朝天门
};

export interface DemoAccount {
  username: string;
  phone?: string;
  displayName: string;
  role: string;
}

/** The demo sign-ins printed at start-up (all with DEMO_PASSWORD). */
export const DEMO_ACCOUNTS: DemoAccount[] = [
  { username: 'district.admin', displayName: '区教委管理员（演示）', role: 'district admin / 区教委' },
  { username: 'centre.staff', displayName: '指导中心老师（演示）', role: 'guidance centre / 指导中心' },
  { username: 'school.admin', displayName: '演示小学01管理员', role: 'school admin / 学校管理员' },
  { username: 'teacher.demo', displayName: '王老师（演示）', role: 'teacher / 教师' },
  { username: 'community.admin', displayName: '领事巷社区管理员（演示）', role: 'community admin / 社区管理员' },
  { username: 'venue.manager', displayName: '枇杷山书院管理员（演示）', role: 'venue manager / 场馆管理员' },
  { username: 'parent.demo', phone: '13800000001', displayName: '李妈妈（演示）', role: 'parent / 家长 (child PIN 1234)' },
  { username: 'parent2.demo', phone: '13800000002', displayName: '李爸爸（演示）', role: 'parent, same family / 家长' },
  { username: 'other.parent', phone: '13800000003', displayName: '张爸爸（演示）', role: 'parent, another family / 家长' },
];

export async function isDemoSeeded(db: Kysely<DB>): Promise<boolean> {
  const row = await db.selectFrom('app_meta').select('value').where('key', '=', SEED_KEY).executeTakeFirst();
  return Boolean(row);
}

/**
 * Seeds the Yuzhong demo: the real registry (district outline, 11 subdistricts, 79 communities) and plainly-labelled
 * demo organisations, staff, and families. Runs in one transaction and records itself in app_meta, so re-running
 * never duplicates anything. Returns false when it had already been seeded.
 */
export async function seedYuzhongDemo(db: Kysely<DB>): Promise<boolean> {
  if (await isDemoSeeded(db)) return false;
  const divisions = readDivisionsCsv(path.join(YUZHONG_DATA_DIR, 'divisions.csv'));
  const boundaryCrs: Crs = 'GCJ-02';
  const boundary = readBoundary(path.join(YUZHONG_DATA_DIR, 'boundary.gcj02.geojson'), boundaryCrs);
  // Hash before the transaction: scrypt is slow on purpose and PGlite has one connection.
  const passwordHash = await hashSecret(DEMO_PASSWORD);
  const pinHash = await hashSecret(DEMO_CHILD_PIN);

  await db.transaction().execute(async (trx) => {
    // Another instance may have seeded while we hashed.
    await sql`select pg_advisory_xact_lock(7243002)`.execute(trx);
    if (await isDemoSeeded(trx)) return;
    await importRegistry(trx, {
      district: DISTRICT,
      divisions,
      boundary: boundary.geometry,
      boundarySourceCrs: boundaryCrs,
      subdistrictAnchors: anchorsToWgs84(SUBDISTRICT_ANCHORS_GCJ02, 'GCJ-02'),
    });
    const orgIds = await seedOrganisations(trx);
    await seedPeople(trx, orgIds, passwordHash, pinHash);
    await trx
      .insertInto('app_meta')
      .values({ key: SEED_KEY, value: JSON.stringify({ version: SEED_VERSION, at: new Date().toISOString() }) })
      .execute();
  });
  return true;
}

interface SeededOrg {
  externalId: string;
  name: string;
  kind: OrgKind;
  divisionCode: string;
  point: [number, number];
}

async function seedOrganisations(db: Kysely<DB>): Promise<Map<string, string>> {
  const random = seededRandom(20261123);
  const divisions = await db.selectFrom('divisions').select(['code', 'level', 'name', 'parent_code', 'geometry']).execute();
  const communities = divisions.filter((d) => d.level === 'community');
  const subdistrictArea = new Map(
    divisions.filter((d) => d.level === 'subdistrict' && d.geometry).map((d) => [d.code, ((d.geometry as { coordinates: Ring[] }).coordinates[0])!]),
  );
  const near = (community: (typeof communities)[number]): [number, number] => {
    const [x, y] = (community.geometry as { coordinates: [number, number] }).coordinates;
    const area = subdistrictArea.get(community.parent_code!);
    for (let i = 0; i < 50; i++) {
      const p: [number, number] = [x + (random() - 0.5) * 0.004, y + (random() - 0.5) * 0.003];
      if (!area || pointInRing(p, area)) return [Math.round(p[0] * 1e6) / 1e6, Math.round(p[1] * 1e6) / 1e6];
    }
    return [x, y];
  };
  const pick = () => communities[Math.floor(random() * communities.length)]!;
  const orgs: SeededOrg[] = [];

  const centreCommunity = communities.find((c) => c.parent_code === '500103005') ?? communities[0]!;
  orgs.push({ externalId: 'demo:centre', name: '渝中区智慧家长成长指导中心', kind: 'guidance_centre', divisionCode: centreCommunity.code, point: near(centreCommunity) });

  for (const community of communities) {
    orgs.push({
      externalId: `demo:cps:${community.code}`,
      name: `${shortDivisionName(community.name)}家长学校`,
      kind: 'community_parent_school',
      divisionCode: community.code,
      point: near(community),
    });
  }
  for (let i = 1; i <= 63; i++) {
    const community = pick();
    const label = i <= 40 ? `演示小学${String(i).padStart(2, '0')}` : `演示中学${String(i - 40).padStart(2, '0')}`;
    orgs.push({ externalId: `demo:school:${String(i).padStart(2, '0')}`, name: label, kind: 'school', divisionCode: community.code, point: near(community) });
  }
  // Venues the program names (cultural spaces and a workshop), then plainly demo bases.
  const namedVenues = ['枇杷山书院', '巴渝文化博物馆', '渝铁村微型少年宫'];
  namedVenues.forEach((name, index) => {
    const community = pick();
    orgs.push({ externalId: `demo:venue:named:${index + 1}`, name, kind: 'venue', divisionCode: community.code, point: near(community) });
  });
  for (let i = 1; i <= 9; i++) {
    const community = pick();
    orgs.push({ externalId: `demo:venue:${String(i).padStart(2, '0')}`, name: `演示教育基地${String(i).padStart(2, '0')}`, kind: 'venue', divisionCode: community.code, point: near(community) });
  }

  const ids = new Map<string, string>();
  for (const org of orgs) {
    const row = await db
      .insertInto('organisations')
      .values({
        external_id: org.externalId,
        name: org.name,
        kind: org.kind,
        division_code: org.divisionCode,
        address: null,
        lon: org.point[0],
        lat: org.point[1],
        source_crs: 'WGS-84',
        location_illustrative: true,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    ids.set(org.externalId, row.id);
  }
  return ids;
}

async function seedPeople(db: Kysely<DB>, orgIds: Map<string, string>, passwordHash: string, pinHash: string) {
  const userIds = new Map<string, string>();
  for (const account of DEMO_ACCOUNTS) {
    const row = await db
      .insertInto('users')
      .values({ username: account.username, phone: account.phone ?? null, display_name: account.displayName, password_hash: passwordHash })
      .returning('id')
      .executeTakeFirstOrThrow();
    userIds.set(account.username, row.id);
  }
  const school1 = orgIds.get('demo:school:01')!;
  const school2 = orgIds.get('demo:school:02')!;
  const grants: { user: string; role: 'district_admin' | 'centre_staff' | 'school_admin' | 'teacher' | 'community_admin' | 'venue_manager'; scopeType: 'district' | 'organisation' | 'community'; scopeId: string }[] = [
    { user: 'district.admin', role: 'district_admin', scopeType: 'district', scopeId: DISTRICT.code },
    { user: 'centre.staff', role: 'centre_staff', scopeType: 'district', scopeId: DISTRICT.code },
    { user: 'school.admin', role: 'school_admin', scopeType: 'organisation', scopeId: school1 },
    { user: 'teacher.demo', role: 'teacher', scopeType: 'organisation', scopeId: school1 },
    { user: 'community.admin', role: 'community_admin', scopeType: 'community', scopeId: '500103001011' },
    { user: 'venue.manager', role: 'venue_manager', scopeType: 'organisation', scopeId: orgIds.get('demo:venue:named:1')! },
  ];
  for (const grant of grants) {
    await db
      .insertInto('role_grants')
      .values({ user_id: userIds.get(grant.user)!, role: grant.role, scope_type: grant.scopeType, scope_id: grant.scopeId, granted_by: userIds.get('district.admin')! })
      .execute();
  }

  const family = await db.insertInto('families').values({ name: '李家（演示）', created_by: userIds.get('parent.demo')! }).returning('id').executeTakeFirstOrThrow();
  await db
    .insertInto('family_guardians')
    .values([
      { family_id: family.id, user_id: userIds.get('parent.demo')!, relation: 'mother' },
      { family_id: family.id, user_id: userIds.get('parent2.demo')!, relation: 'father' },
    ])
    .execute();
  await db
    .insertInto('children')
    .values([
      { family_id: family.id, display_name: '小明', birth_year: 2016, school_id: school1, grade: '四年级', pin_hash: pinHash },
      { family_id: family.id, display_name: '小红', birth_year: 2019, school_id: school1, grade: '一年级', pin_hash: pinHash },
    ])
    .execute();
  const other = await db.insertInto('families').values({ name: '张家（演示）', created_by: userIds.get('other.parent')! }).returning('id').executeTakeFirstOrThrow();
  await db.insertInto('family_guardians').values({ family_id: other.id, user_id: userIds.get('other.parent')!, relation: 'father' }).execute();
  await db.insertInto('children').values({ family_id: other.id, display_name: '小刚', birth_year: 2015, school_id: school2, grade: '五年级', pin_hash: pinHash }).execute();
}

/** Exposed for tests: converts the anchor table once so tests can check the anchors fall inside the outline. */
export function subdistrictAnchorsWgs84() {
  return new Map(Object.entries(SUBDISTRICT_ANCHORS_GCJ02).map(([code, [lon, lat]]) => [code, toWgs84(lon, lat, 'GCJ-02')]));
}
