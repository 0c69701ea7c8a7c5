-- District coverage runs (15-minute engine): one row per computation, one row per grid cell.

create table coverage_runs (
  id uuid primary key default gen_random_uuid(),
  created_at timestamptz not null default now(),
  created_by uuid references users (id) on delete set null,
  method text not null check (method in ('network', 'estimate')),
  cell_m integer not null check (cell_m between 20 and 2000),
  minutes double precision not null check (minutes > 0 and minutes <= 240),
  categories jsonb not null,
  -- Inputs kept so that gap finding can recompute exactly this run: the venues (id, category, lon, lat).
  venues jsonb not null,
  graph_info jsonb,
  summary jsonb not null,
  area_summaries jsonb not null,
  cell_count integer not null,
  -- Subdistrict/community summaries use illustrative areas while the registry has no real ones.
  areas_illustrative boolean not null default true
);
create index coverage_runs_created_idx on coverage_runs (created_at desc);

create table coverage_cells (
  run_id uuid not null references coverage_runs (id) on delete cascade,
  idx integer not null,
  lon double precision not null,
  lat double precision not null,
  reachable boolean not null,
  minutes jsonb not null,
  venues_within integer not null,
  geometry jsonb not null,
  primary key (run_id, idx)
);
