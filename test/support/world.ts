import type { Kysely } from 'kysely';
import type { DB } from '../../src/server/db/types.ts';
import { buildDivisions, buildFamily, buildOrganisation, buildUser } from './factories.ts';

/**
 * A small district with two communities, each with a school, a venue and a community parent school, staff with every
 * role, and two families whose children attend different schools: enough to test every role × scope pair.
 */
export async function buildWorld(db: Kysely<DB>) {
  const divisions = await buildDivisions(db);
  const [community1, community2] = divisions.communities as [string, string];
  const schoolA = await buildOrganisation(db, { kind: 'school', divisionCode: community1, name: '甲小学', lon: 106.55, lat: 29.55 });
  const schoolB = await buildOrganisation(db, { kind: 'school', divisionCode: community2, name: '乙小学', lon: 106.56, lat: 29.56 });
  const venueA = await buildOrganisation(db, { kind: 'venue', divisionCode: community1, name: '甲场馆', lon: 106.553, lat: 29.548 });
  const venueB = await buildOrganisation(db, { kind: 'venue', divisionCode: community2, name: '乙场馆', lon: 106.565, lat: 29.562 });
  const parentSchoolA = await buildOrganisation(db, { kind: 'community_parent_school', divisionCode: community1, name: '一号社区家长学校', lon: 106.547, lat: 29.552 });
  const centre = await buildOrganisation(db, { kind: 'guidance_centre', divisionCode: community1, name: '指导中心', lon: 106.54, lat: 29.545 });

  const users = {
    districtAdmin: await buildUser(db, { grants: [{ role: 'district_admin', scopeType: 'district', scopeId: divisions.district }] }),
    centreStaff: await buildUser(db, { grants: [{ role: 'centre_staff', scopeType: 'district', scopeId: divisions.district }] }),
    schoolAdminA: await buildUser(db, { grants: [{ role: 'school_admin', scopeType: 'organisation', scopeId: schoolA.id }] }),
    schoolAdminB: await buildUser(db, { grants: [{ role: 'school_admin', scopeType: 'organisation', scopeId: schoolB.id }] }),
    teacherA: await buildUser(db, { grants: [{ role: 'teacher', scopeType: 'organisation', scopeId: schoolA.id }] }),
    communityAdmin1: await buildUser(db, { grants: [{ role: 'community_admin', scopeType: 'community', scopeId: community1 }] }),
    venueManagerA: await buildUser(db, { grants: [{ role: 'venue_manager', scopeType: 'organisation', scopeId: venueA.id }] }),
    parentA: await buildUser(db, { phone: '13900000001' }),
    parentB: await buildUser(db, { phone: '13900000002' }),
  };
  const familyA = await buildFamily(db, { guardianIds: [users.parentA.id], children: [{ displayName: '甲娃', schoolId: schoolA.id }] });
  const familyB = await buildFamily(db, { guardianIds: [users.parentB.id], children: [{ displayName: '乙娃', schoolId: schoolB.id }] });
  return { divisions, community1, community2, orgs: { schoolA, schoolB, venueA, venueB, parentSchoolA, centre }, users, familyA, familyB };
}

export type World = Awaited<ReturnType<typeof buildWorld>>;

/** Row counts of every table a denied request must leave untouched. */
export async function tableCounts(db: Kysely<DB>): Promise<Record<string, number>> {
  const tables = ['divisions', 'organisations', 'users', 'role_grants', 'families', 'family_guardians', 'children', 'family_invitations', 'api_tokens', 'services', 'locations', 'attributes', 'taxonomy_terms', 'coverage_runs', 'directory_changes', 'class_courses', 'classes', 'class_sessions', 'class_bookings', 'class_calendar_feeds', 'family_homes', 'points_entries', 'points_terms', 'points_rules', 'points_rewards', 'library_files', 'library_progress'] as const;
  const counts: Record<string, number> = {};
  for (const table of tables) {
    const row = await db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    counts[table] = Number(row.n);
  }
  const versions = await db.selectFrom('organisations').select((eb) => eb.fn.sum<number>('version').as('v')).executeTakeFirstOrThrow();
  counts['organisations.version'] = Number(versions.v ?? 0);
  return counts;
}
