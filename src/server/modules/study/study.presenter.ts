import type { z } from '@hono/zod-openapi';
import type { RouteWalk } from './study.tables.ts';
import type { RouteAggregate } from './study.service.ts';
import type { VisitRow } from './study.repository.ts';
import type { StudyRouteSchema, VisitRequestSchema } from './study.schema.ts';

export function presentRoute({ route, stops }: RouteAggregate): z.infer<typeof StudyRouteSchema> {
  const walk = route.walk as RouteWalk;
  const walking = walk.minutes ?? 0;
  return {
    id: route.id,
    title: route.title,
    theme: route.theme,
    description: route.description,
    status: route.status,
    authorId: route.created_by,
    version: route.version,
    updatedAt: new Date(route.updated_at).toISOString(),
    walk: {
      method: walk.method ?? 'estimate',
      minutes: walking,
      distanceM: walk.distanceM ?? 0,
      climbM: walk.climbM ?? null,
      totalMinutes: walking + stops.reduce((sum, s) => sum + s.dwell_minutes, 0),
    },
    stops: stops.map((stop, i) => {
      const leg = walk.legs?.[i];
      return {
        position: stop.position,
        organisationId: stop.organisation_id,
        name: stop.name,
        kind: stop.kind,
        lon: stop.lon,
        lat: stop.lat,
        illustrative: stop.location_illustrative,
        dwellMinutes: stop.dwell_minutes,
        note: stop.note,
        legToNext: leg && i < stops.length - 1 ? { minutes: leg.minutes, distanceM: leg.distanceM, climbM: leg.climbM, method: (leg as { method?: 'network' | 'estimate' }).method ?? walk.method ?? 'estimate', geometry: leg.geometry } : null,
      };
    }),
  };
}

export function presentVisit(row: VisitRow): z.infer<typeof VisitRequestSchema> {
  return {
    id: row.id,
    service: { id: row.service_id, name: row.service_name, capacity: row.service_capacity },
    venue: { id: row.venue_id, name: row.venue_name },
    school: { id: row.school_id, name: row.school_name },
    visitDate: row.visit_date,
    groupSize: row.group_size,
    note: row.note,
    status: row.status,
    decidedAt: row.decided_at ? new Date(row.decided_at).toISOString() : null,
    decisionNote: row.decision_note,
    createdAt: new Date(row.created_at).toISOString(),
  };
}
