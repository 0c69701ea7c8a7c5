import type { ColumnType, Generated } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type Json<T = unknown> = ColumnType<T, string, string>;

export interface RouteWalk {
  method?: 'network' | 'estimate';
  minutes?: number;
  distanceM?: number;
  climbM?: number | null;
  legs?: { minutes: number; distanceM: number; climbM: number | null; geometry: { type: 'LineString'; coordinates: number[][] } }[];
}

export interface StudyRoutesTable {
  id: Generated<string>;
  external_id: string | null;
  title: string;
  theme: string | null;
  description: string | null;
  status: Generated<'draft' | 'published' | 'archived'>;
  created_by: string | null;
  walk: Json<RouteWalk>;
  version: Generated<number>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface StudyRouteStopsTable {
  route_id: string;
  position: number;
  organisation_id: string;
  dwell_minutes: Generated<number>;
  note: string | null;
}

export interface VisitRequestsTable {
  id: Generated<string>;
  service_id: string;
  school_id: string;
  requested_by: string | null;
  idempotency_key: string;
  visit_date: ColumnType<string, string, string>;
  group_size: number;
  note: string | null;
  status: Generated<'pending' | 'accepted' | 'declined' | 'cancelled'>;
  decided_by: string | null;
  decided_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  decision_note: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface StudyTables {
  study_routes: StudyRoutesTable;
  study_route_stops: StudyRouteStopsTable;
  visit_requests: VisitRequestsTable;
}
