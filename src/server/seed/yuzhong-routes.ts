import { estimateWalk } from '@coedu/reach';
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/types.ts';
import type { RouteWalk } from '../modules/study/study.tables.ts';

const SEED_KEY = 'seed:yuzhong-routes';

const THEMES: { theme: string; title: string; count: number }[] = [
  { theme: 'patriotic', title: '红色游学线路', count: 16 },
  { theme: 'heritage', title: '母城文脉研学线路', count: 3 },
  { theme: 'science', title: '科普研学线路', count: 2 },
  { theme: 'arts', title: '美育研学线路', count: 1 },
];

/**
 * 22 demo study-tour routes (the program reports "20+" red study-tour routes): each starts at a different base of its
 * theme and walks to the nearest bases of the same theme, 4 stops, as a walking tour. Legs are estimates (the demo
 * ships no street graph); staff recompute them on a real graph with PATCH …{ recompute: true }.
 */
export async function seedYuzhongRoutes(db: Kysely<DB>): Promise<boolean> {
  if (await db.selectFrom('app_meta').select('key').where('key', '=', SEED_KEY).executeTakeFirst()) return false;
  const hasBases = await db.selectFrom('app_meta').select('key').where('key', '=', 'seed:yuzhong-directory').executeTakeFirst();
  if (!hasBases) return false;
  await db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(7243004)`.execute(trx);
    if (await trx.selectFrom('app_meta').select('key').where('key', '=', SEED_KEY).executeTakeFirst()) return;
    const author = await trx.selectFrom('users').select('id').where('username', '=', 'centre.staff').executeTakeFirst();
    let number = 0;
    for (const { theme, title, count } of THEMES) {
      const bases = await trx
        .selectFrom('organisations as o')
        .innerJoin('attributes as a', (join) => join.onRef('a.link_id', '=', 'o.id').on('a.link_type', '=', 'organization'))
        .innerJoin('taxonomy_terms as t', 't.id', 'a.term_id')
        .select(['o.id', 'o.name', 'o.lon', 'o.lat'])
        .where('t.taxonomy_id', '=', 'base_category')
        .where('t.code', '=', theme)
        .where('o.lon', 'is not', null)
        .orderBy('o.name')
        .execute();
      for (let i = 0; i < count && i < bases.length; i++) {
        number++;
        const stops = [bases[i]!];
        while (stops.length < 4) {
          const last = stops.at(-1)!;
          const next = bases
            .filter((b) => !stops.includes(b))
            .map((b) => ({ b, d: estimateWalk(last.lon!, last.lat!, b.lon!, b.lat!).distanceM }))
            .sort((x, y) => x.d - y.d)[0];
          if (!next) break;
          stops.push(next.b);
        }
        const legs = stops.slice(1).map((to, k) => {
          const from = stops[k]!;
          const walk = estimateWalk(from.lon!, from.lat!, to.lon!, to.lat!);
          return { minutes: walk.minutes, distanceM: walk.distanceM, climbM: null, method: 'estimate' as const, geometry: { type: 'LineString' as const, coordinates: [[from.lon!, from.lat!], [to.lon!, to.lat!]] } };
        });
        const walk: RouteWalk = {
          method: 'estimate',
          minutes: legs.reduce((s, l) => s + l.minutes, 0),
          distanceM: legs.reduce((s, l) => s + l.distanceM, 0),
          climbM: null,
          legs,
        };
        const route = await trx
          .insertInto('study_routes')
          .values({
            external_id: `demo:route:${String(number).padStart(2, '0')}`,
            title: `${title}${String(i + 1).padStart(2, '0')}（演示）`,
            theme,
            description: `从“${stops[0]!.name}”出发，步行串联 ${stops.length} 处基地（演示线路，点位为示意位置）。`,
            status: 'published',
            created_by: author?.id ?? null,
            walk: JSON.stringify(walk),
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        await trx
          .insertInto('study_route_stops')
          .values(stops.map((s, k) => ({ route_id: route.id, position: k + 1, organisation_id: s.id, dwell_minutes: 40, note: null })))
          .execute();
      }
    }
    await trx.insertInto('app_meta').values({ key: SEED_KEY, value: JSON.stringify({ version: 1, routes: number }) }).execute();
  });
  return true;
}
