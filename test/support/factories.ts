import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Crs, DB, GrantRole, GrantScopeType, OrgKind } from '../../src/server/db/types.ts';
import { hashSecret } from '../../src/server/lib/crypto.ts';

/** Test data builders: each takes overrides and fills the rest with unique, valid values. */

export const TEST_PASSWORD = 'Test-pass-123';
let passwordHash: Promise<string> | null = null;
let pinHash: Promise<string> | null = null;
const cachedPasswordHash = () => (passwordHash ??= hashSecret(TEST_PASSWORD));
export const TEST_PIN = '2468';
const cachedPinHash = () => (pinHash ??= hashSecret(TEST_PIN));

const unique = () => randomBytes(4).toString('hex');
let phoneCounter = 0;
const uniquePhone = () => `139${String(Date.now() % 1e4).padStart(4, '0')}${String(phoneCounter++ % 1e4).padStart(4, '0')}`;

export async function buildDivisions(db: Kysely<DB>, overrides: { districtCode?: string } = {}) {
  const district = overrides.districtCode ?? '500103';
  const square = { type: 'Polygon', coordinates: [[[106.5, 29.53], [106.59, 29.53], [106.59, 29.57], [106.5, 29.57], [106.5, 29.53]]] };
  await db
    .insertInto('divisions')
    .values([
      { code: district, level: 'district', name: '测试区', short_name: '测试区', parent_code: null, geometry: JSON.stringify(square), geometry_illustrative: false, geometry_source_crs: 'WGS-84' },
    ])
    .onConflict((oc) => oc.doNothing())
    .execute();
  await db
    .insertInto('divisions')
    .values([
      { code: `${district}001`, level: 'subdistrict', name: '甲街道', short_name: '甲', parent_code: district, geometry: null, geometry_source_crs: null },
      { code: `${district}002`, level: 'subdistrict', name: '乙街道', short_name: '乙', parent_code: district, geometry: null, geometry_source_crs: null },
    ])
    .onConflict((oc) => oc.doNothing())
    .execute();
  await db
    .insertInto('divisions')
    .values([
      { code: `${district}001001`, level: 'community', name: '一号社区居民委员会', short_name: '一号社区', parent_code: `${district}001`, geometry: JSON.stringify({ type: 'Point', coordinates: [106.55, 29.55] }), geometry_source_crs: 'WGS-84' },
      { code: `${district}002001`, level: 'community', name: '二号社区居民委员会', short_name: '二号社区', parent_code: `${district}002`, geometry: JSON.stringify({ type: 'Point', coordinates: [106.56, 29.56] }), geometry_source_crs: 'WGS-84' },
    ])
    .onConflict((oc) => oc.doNothing())
    .execute();
  return { district, subdistricts: [`${district}001`, `${district}002`], communities: [`${district}001001`, `${district}002001`] };
}

export async function buildOrganisation(
  db: Kysely<DB>,
  overrides: Partial<{ name: string; kind: OrgKind; divisionCode: string | null; lon: number; lat: number; sourceCrs: Crs; illustrative: boolean }> = {},
) {
  const row = await db
    .insertInto('organisations')
    .values({
      name: overrides.name ?? `测试机构 ${unique()}`,
      kind: overrides.kind ?? 'school',
      division_code: overrides.divisionCode === undefined ? null : overrides.divisionCode,
      lon: overrides.lon ?? 106.55,
      lat: overrides.lat ?? 29.55,
      source_crs: overrides.sourceCrs ?? 'WGS-84',
      location_illustrative: overrides.illustrative ?? true,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return row;
}

export async function buildUser(
  db: Kysely<DB>,
  overrides: Partial<{ username: string | null; phone: string | null; displayName: string; disabled: boolean; grants: { role: GrantRole; scopeType: GrantScopeType; scopeId: string }[] }> = {},
) {
  const username = overrides.username === undefined ? `user.${unique()}` : overrides.username;
  const user = await db
    .insertInto('users')
    .values({
      username,
      phone: overrides.phone === undefined ? null : overrides.phone,
      display_name: overrides.displayName ?? `测试用户 ${unique()}`,
      password_hash: await cachedPasswordHash(),
      disabled: overrides.disabled ?? false,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  for (const grant of overrides.grants ?? []) {
    await db.insertInto('role_grants').values({ user_id: user.id, role: grant.role, scope_type: grant.scopeType, scope_id: grant.scopeId }).execute();
  }
  return { ...user, login: username ?? user.phone!, password: TEST_PASSWORD };
}

export async function buildFamily(
  db: Kysely<DB>,
  overrides: Partial<{ name: string; guardianIds: string[]; children: { displayName?: string; schoolId?: string | null; birthYear?: number; pin?: boolean }[] }> = {},
) {
  const family = await db.insertInto('families').values({ name: overrides.name ?? `测试家庭 ${unique()}`, created_by: overrides.guardianIds?.[0] ?? null }).returningAll().executeTakeFirstOrThrow();
  for (const userId of overrides.guardianIds ?? []) {
    await db.insertInto('family_guardians').values({ family_id: family.id, user_id: userId, relation: null }).execute();
  }
  const children = [];
  for (const child of overrides.children ?? [{}]) {
    children.push(
      await db
        .insertInto('children')
        .values({
          family_id: family.id,
          display_name: child.displayName ?? `孩子${unique().slice(0, 3)}`,
          birth_year: child.birthYear ?? 2016,
          school_id: child.schoolId ?? null,
          grade: null,
          pin_hash: child.pin === false ? null : await cachedPinHash(),
        })
        .returningAll()
        .executeTakeFirstOrThrow(),
    );
  }
  return { family, children };
}

export { uniquePhone };

/** A catalogue entry (by default a published online library entry for ages 6–9, theme family_education). */
export async function buildCourse(
  db: Kysely<DB>,
  overrides: Partial<{ title: string; tier: 'general' | 'required' | 'custom'; topic: string; ageMin: number; ageMax: number; format: 'online' | 'in_person' | 'mixed'; status: 'draft' | 'published' | 'archived' }> = {},
) {
  return db
    .insertInto('class_courses')
    .values({
      tier: overrides.tier ?? 'required',
      topic: overrides.topic ?? 'family_education',
      title: overrides.title ?? `测试课程 ${unique()}`,
      summary: null,
      age_min: overrides.ageMin ?? 6,
      age_max: overrides.ageMax ?? 9,
      format: overrides.format ?? 'online',
      duration_minutes: 10,
      status: overrides.status ?? 'published',
      materials: '[]',
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}
