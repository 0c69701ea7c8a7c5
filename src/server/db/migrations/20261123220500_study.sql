-- Study map and study-tour routes (研学地图, 游学线路), and group visit requests from schools to bases.

create table study_routes (
  id uuid primary key default gen_random_uuid(),
  external_id text unique,
  title text not null check (length(title) between 1 and 200),
  theme text, -- a base_category code
  description text,
  status text not null default 'draft' check (status in ('draft', 'published', 'archived')),
  created_by uuid references users (id) on delete set null,
  -- Walking legs between consecutive stops as computed by the 15-minute engine when the route was saved:
  -- { method, minutes, distanceM, climbM, legs: [{ minutes, distanceM, climbM, geometry }] }
  walk jsonb not null default '{}'::jsonb,
  version integer not null default 1,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index study_routes_status_idx on study_routes (status, updated_at desc);

create table study_route_stops (
  route_id uuid not null references study_routes (id) on delete cascade,
  position integer not null check (position >= 1),
  organisation_id uuid not null references organisations (id),
  dwell_minutes integer not null default 30 check (dwell_minutes between 0 and 480),
  note text,
  primary key (route_id, position)
);
create index study_route_stops_org_idx on study_route_stops (organisation_id);

create table visit_requests (
  id uuid primary key default gen_random_uuid(),
  service_id uuid not null references services (id) on delete cascade,
  school_id uuid not null references organisations (id) on delete cascade,
  requested_by uuid references users (id) on delete set null,
  idempotency_key text not null,
  visit_date date not null,
  group_size integer not null check (group_size between 1 and 1000),
  note text,
  status text not null default 'pending' check (status in ('pending', 'accepted', 'declined', 'cancelled')),
  decided_by uuid references users (id) on delete set null,
  decided_at timestamptz,
  decision_note text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (requested_by, idempotency_key)
);
create index visit_requests_service_date_idx on visit_requests (service_id, visit_date, status);
create index visit_requests_school_idx on visit_requests (school_id, created_at desc);
