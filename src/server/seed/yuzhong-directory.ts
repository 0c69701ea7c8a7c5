import { sql, type Kysely } from 'kysely';
import type { DB, OrgKind } from '../db/types.ts';
import type { OpeningHours, ServiceSchedule, ServiceType } from '../modules/directory/directory.tables.ts';
import { pointInRing, type Ring } from '../lib/geo.ts';
import { seededRandom } from './registry-import.ts';
import { reindexStale } from '../modules/directory/directory.search.ts';

const SEED_KEY = 'seed:yuzhong-directory';

/** Base categories in taxonomy order, with the words used to compose demo offers. */
const CATEGORIES = [
  { code: 'patriotic', label: '爱国主义教育', activity: '红色故事亲子研学', provider: 'museum' },
  { code: 'health', label: '健康教育', activity: '亲子健康课堂', provider: 'health' },
  { code: 'sports', label: '体育健身', activity: '亲子运动日', provider: 'sports' },
  { code: 'arts', label: '美育艺术', activity: '亲子艺术工作坊', provider: 'culture' },
  { code: 'science', label: '科学普及', activity: '亲子科学实验', provider: 'science' },
  { code: 'labour', label: '劳动实践', activity: '亲子劳动体验', provider: 'new_social' },
  { code: 'heritage', label: '传统文化与非遗', activity: '非遗手作体验', provider: 'culture' },
  { code: 'ecology', label: '生态文明', activity: '自然观察亲子行', provider: 'new_social' },
] as const;

/** Places the program names (source article); every other directory entry is a plainly labelled demo entry. */
const NAMED_BASES: { name: string; category: (typeof CATEGORIES)[number]['code']; provider: string }[] = [
  { name: '中法学校旧址', category: 'patriotic', provider: 'museum' },
  { name: '中医少林堂', category: 'health', provider: 'health' },
  { name: '重庆市红岩革命历史文化中心', category: 'patriotic', provider: 'museum' },
  { name: '渝中区青少年党史教育馆', category: 'patriotic', provider: 'museum' },
];
const NAMED_SCHOOLS: Record<string, string> = { 'demo:school:02': '中华路小学', 'demo:school:03': '人民路小学', 'demo:school:41': '重庆市第二十九中学校' };

const MUSEUM_HOURS: OpeningHours[] = [2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, opens: '09:00', closes: '17:00' }));
const SCHOOL_HOURS: OpeningHours[] = [1, 2, 3, 4, 5].map((weekday) => ({ weekday, opens: '08:00', closes: '17:30' }));
const COMMUNITY_HOURS: OpeningHours[] = [1, 2, 3, 4, 5, 6].map((weekday) => ({ weekday, opens: '09:00', closes: '20:30' }));

/**
 * The Yuzhong directory demo: 183 education bases across the 8 categories, 12 new cultural spaces, 15 practice bases,
 * a location and offers for every organisation, and the schools and places the program names. Idempotent (recorded in
 * app_meta) and upserting by external id, so it also upgrades an installation seeded before the directory existed.
 */
export async function seedYuzhongDirectory(db: Kysely<DB>): Promise<boolean> {
  const done = await db.selectFrom('app_meta').select('key').where('key', '=', SEED_KEY).executeTakeFirst();
  if (done) return false;
  const district = await db.selectFrom('divisions').select('code').where('code', '=', '500103').executeTakeFirst();
  if (!district) return false; // the registry demo comes first
  await db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(7243003)`.execute(trx);
    if (await trx.selectFrom('app_meta').select('key').where('key', '=', SEED_KEY).executeTakeFirst()) return;
    const random = seededRandom(183);
    const terms = new Map((await trx.selectFrom('taxonomy_terms').select(['id', 'taxonomy_id', 'code']).execute()).map((t) => [`${t.taxonomy_id}:${t.code}`, t.id]));
    const term = (taxonomy: string, code: string) => terms.get(`${taxonomy}:${code}`)!;
    const communities = await trx.selectFrom('divisions').select(['code', 'parent_code', 'geometry']).where('level', '=', 'community').orderBy('code').execute();
    const subAreas = new Map(
      (await trx.selectFrom('divisions').select(['code', 'geometry']).where('level', '=', 'subdistrict').execute())
        .filter((d) => d.geometry)
        .map((d) => [d.code, (d.geometry as { coordinates: Ring[] }).coordinates[0]!]),
    );
    const placeNear = (community: (typeof communities)[number]): [number, number] => {
      const [x, y] = (community.geometry as { coordinates: [number, number] }).coordinates;
      const area = subAreas.get(community.parent_code!);
      for (let i = 0; i < 50; i++) {
        const p: [number, number] = [x + (random() - 0.5) * 0.005, y + (random() - 0.5) * 0.0035];
        if (!area || pointInRing(p, area)) return [Math.round(p[0] * 1e6) / 1e6, Math.round(p[1] * 1e6) / 1e6];
      }
      return [x, y];
    };
    const pick = () => communities[Math.floor(random() * communities.length)]!;

    for (const [externalId, name] of Object.entries(NAMED_SCHOOLS)) {
      await trx.updateTable('organisations').set({ name }).where('external_id', '=', externalId).execute();
    }

    interface Place {
      externalId: string;
      name: string;
      designation: string;
      category: (typeof CATEGORIES)[number]['code'];
      provider: string;
    }
    const places: Place[] = [];
    // 183 education bases: the 9 demo bases already seeded, the 4 named by the program, and numbered demo bases.
    for (let i = 1; i <= 9; i++) {
      const category = CATEGORIES[(i - 1) % 8]!;
      places.push({ externalId: `demo:venue:${String(i).padStart(2, '0')}`, name: `演示教育基地${String(i).padStart(2, '0')}`, designation: 'education_base', category: category.code, provider: category.provider });
    }
    NAMED_BASES.forEach((base, i) => places.push({ externalId: `named:base:${i + 1}`, name: base.name, designation: 'education_base', category: base.category, provider: base.provider }));
    for (let i = 10; places.length < 183; i++) {
      const category = CATEGORIES[(i - 1) % 8]!;
      places.push({ externalId: `demo:base:${String(i).padStart(3, '0')}`, name: `演示${category.label}基地${String(i).padStart(3, '0')}`, designation: 'education_base', category: category.code, provider: category.provider });
    }
    // 12 new cultural spaces: the two the program names (already seeded as venues) and ten demo ones.
    places.push({ externalId: 'demo:venue:named:1', name: '枇杷山书院', designation: 'cultural_space', category: 'heritage', provider: 'library' });
    places.push({ externalId: 'demo:venue:named:2', name: '巴渝文化博物馆', designation: 'cultural_space', category: 'heritage', provider: 'museum' });
    for (let i = 3; i <= 12; i++) {
      places.push({ externalId: `demo:space:${String(i).padStart(2, '0')}`, name: `演示新型文化空间${String(i).padStart(2, '0')}`, designation: 'cultural_space', category: i % 2 ? 'arts' : 'heritage', provider: 'library' });
    }
    // 15 practice bases: the one the program names and fourteen demo ones.
    places.push({ externalId: 'named:practice:1', name: '重庆市文物考古研究院', designation: 'practice_base', category: 'heritage', provider: 'science' });
    for (let i = 2; i <= 15; i++) {
      const category = CATEGORIES[i % 8]!;
      places.push({ externalId: `demo:practice:${String(i).padStart(2, '0')}`, name: `演示协同育人实践基地${String(i).padStart(2, '0')}`, designation: 'practice_base', category: category.code, provider: category.provider });
    }
    places.push({ externalId: 'demo:venue:named:3', name: '渝铁村微型少年宫', designation: 'workshop', category: 'arts', provider: 'community' });

    for (const place of places) {
      let org = await trx.selectFrom('organisations').select(['id', 'lon', 'lat', 'division_code']).where('external_id', '=', place.externalId).executeTakeFirst();
      if (!org) {
        const community = pick();
        const [lon, lat] = placeNear(community);
        org = await trx
          .insertInto('organisations')
          .values({ external_id: place.externalId, name: place.name, kind: 'venue', division_code: community.code, lon, lat, source_crs: 'WGS-84', location_illustrative: true })
          .returning(['id', 'lon', 'lat', 'division_code'])
          .executeTakeFirstOrThrow();
      }
      await trx
        .insertInto('attributes')
        .values([
          { link_type: 'organization', link_id: org.id, term_id: term('base_category', place.category) },
          { link_type: 'organization', link_id: org.id, term_id: term('designation', place.designation) },
          { link_type: 'organization', link_id: org.id, term_id: term('provider_kind', place.provider) },
        ])
        .onConflict((oc) => oc.doNothing())
        .execute();
      const category = CATEGORIES.find((c) => c.code === place.category)!;
      const locationId = await addLocation(trx, org, place.externalId, place.name, MUSEUM_HOURS);
      await addService(trx, org.id, locationId, `${place.externalId}:visit`, {
        name: `${place.name}·学生研学参观`,
        serviceType: 'study_tour',
        description: `${category.label}主题研学，学校可预约团体参观（演示内容）。`,
        audience: 'children',
        minAge: 6,
        maxAge: 15,
        capacity: 40 + Math.floor(random() * 4) * 20,
        bookingRequired: true,
        schedules: [{ freq: 'WEEKLY', byday: 'TU,WE,TH,FR', opensAt: '09:30', closesAt: '16:00', description: '工作日团体参观' }],
      });
      await addService(trx, org.id, locationId, `${place.externalId}:family`, {
        name: `${place.name}·${category.activity}`,
        serviceType: 'activity',
        description: `周末面向家庭的${category.label}活动，家长与孩子共同参与（演示内容）。`,
        audience: 'families',
        minAge: 4 + Math.floor(random() * 4),
        maxAge: 12 + Math.floor(random() * 4),
        capacity: 20 + Math.floor(random() * 3) * 10,
        bookingRequired: true,
        isFree: random() > 0.2,
        schedules: [{ freq: 'WEEKLY', byday: random() > 0.5 ? 'SA' : 'SU', opensAt: '09:30', closesAt: '11:30', description: '周末亲子场' }],
      });
    }

    // Every school, community parent school and the guidance centre: a location and its parent-school offers.
    const others = await trx.selectFrom('organisations').select(['id', 'external_id', 'name', 'kind', 'lon', 'lat', 'division_code']).where('kind', 'in', ['school', 'community_parent_school', 'guidance_centre'] as OrgKind[]).orderBy('external_id').execute();
    for (const org of others) {
      const externalId = org.external_id ?? org.id;
      const providerCode = org.kind === 'school' ? 'school' : org.kind === 'guidance_centre' ? 'guidance_centre' : 'community';
      await trx.insertInto('attributes').values({ link_type: 'organization', link_id: org.id, term_id: term('provider_kind', providerCode) }).onConflict((oc) => oc.doNothing()).execute();
      if (org.kind === 'school') {
        const locationId = await addLocation(trx, org, externalId, org.name, SCHOOL_HOURS);
        await addService(trx, org.id, locationId, `${externalId}:parent-school`, {
          name: `${org.name}校园家长学校·家长课堂`,
          serviceType: 'course',
          description: '理念引领课与养育必修课，面向本校家长（演示内容）。',
          audience: 'guardians',
          capacity: 120,
          bookingRequired: false,
          schedules: [{ freq: 'MONTHLY', opensAt: '18:30', closesAt: '20:00', description: '每月一次' }],
        });
        await addService(trx, org.id, locationId, `${externalId}:reception`, {
          name: `${org.name}·书记校长会客厅`,
          serviceType: 'consultation',
          description: '家长预约与校领导面对面交流（演示内容）。',
          audience: 'guardians',
          capacity: 6,
          bookingRequired: true,
          schedules: [{ freq: 'WEEKLY', byday: 'WE', opensAt: '16:00', closesAt: '17:30' }],
        });
      } else if (org.kind === 'community_parent_school') {
        const locationId = await addLocation(trx, org, externalId, org.name, COMMUNITY_HOURS);
        await addService(trx, org.id, locationId, `${externalId}:class`, {
          name: `${org.name}·社区家长课堂`,
          serviceType: 'course',
          description: '家门口的家庭教育课程，周末开课（演示内容）。',
          audience: 'guardians',
          capacity: 40,
          bookingRequired: true,
          schedules: [{ freq: 'WEEKLY', byday: 'SA', opensAt: '10:00', closesAt: '11:30' }],
        });
        await addService(trx, org.id, locationId, `${externalId}:care`, {
          name: `${org.name}·弹性托管`,
          serviceType: 'care',
          description: '放学后的弹性托管与作业辅导（演示内容）。',
          audience: 'children',
          minAge: 6,
          maxAge: 12,
          capacity: 25,
          bookingRequired: true,
          isFree: false,
          feesDescription: '按次收取成本费（演示）',
          schedules: [{ freq: 'WEEKLY', byday: 'MO,TU,WE,TH,FR', opensAt: '16:30', closesAt: '18:30' }],
        });
      } else {
        const locationId = await addLocation(trx, org, externalId, org.name, COMMUNITY_HOURS);
        await addService(trx, org.id, locationId, `${externalId}:consultation`, {
          name: '家庭教育咨询',
          serviceType: 'consultation',
          description: '家庭教育专家一对一咨询，线上线下均可（演示内容）。',
          audience: 'guardians',
          capacity: 8,
          bookingRequired: true,
          schedules: [{ freq: 'WEEKLY', byday: 'TU,TH,SA', opensAt: '14:00', closesAt: '17:00' }],
        });
      }
    }
    await trx.insertInto('app_meta').values({ key: SEED_KEY, value: JSON.stringify({ version: 1, at: new Date().toISOString() }) }).execute();
  });
  await reindexStale(db);
  return true;
}

async function addLocation(
  db: Kysely<DB>,
  org: { id: string; lon: number | null; lat: number | null; division_code: string | null },
  externalId: string,
  name: string,
  hours: OpeningHours[],
): Promise<string> {
  const existing = await db.selectFrom('locations').select('id').where('external_id', '=', `${externalId}:location`).executeTakeFirst();
  if (existing) return existing.id;
  const row = await db
    .insertInto('locations')
    .values({
      organisation_id: org.id,
      external_id: `${externalId}:location`,
      name,
      division_code: org.division_code,
      lon: org.lon,
      lat: org.lat,
      source_crs: org.lon === null ? null : 'WGS-84',
      location_illustrative: true,
      opening_hours: JSON.stringify(hours),
      accessibility: null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

async function addService(
  db: Kysely<DB>,
  organisationId: string,
  locationId: string,
  externalId: string,
  service: {
    name: string;
    serviceType: ServiceType;
    description: string;
    audience: 'children' | 'guardians' | 'families';
    minAge?: number;
    maxAge?: number;
    capacity: number;
    bookingRequired: boolean;
    isFree?: boolean;
    feesDescription?: string;
    schedules: ServiceSchedule[];
  },
) {
  const row = await db
    .insertInto('services')
    .values({
      organisation_id: organisationId,
      external_id: externalId,
      name: service.name,
      description: service.description,
      service_type: service.serviceType,
      audience: service.audience,
      min_age: service.minAge ?? null,
      max_age: service.maxAge ?? null,
      is_free: service.isFree ?? true,
      fees_description: service.feesDescription ?? null,
      capacity: service.capacity,
      booking_required: service.bookingRequired,
      schedules: JSON.stringify(service.schedules),
    })
    .onConflict((oc) => oc.column('external_id').doNothing())
    .returning('id')
    .executeTakeFirst();
  if (row) await db.insertInto('service_at_location').values({ service_id: row.id, location_id: locationId }).execute();
}
