-- Foundation: district registry, organisations, accounts, roles, sessions, families, audit.
-- Coordinates are stored as WGS-84 longitude/latitude; the system they arrived in is kept beside them.

create table app_meta (
  key text primary key,
  value jsonb not null,
  updated_at timestamptz not null default now()
);

-- District -> subdistrict (街道) -> community (社区); one table, codes are the national statistical codes.
create table divisions (
  code text primary key check (code ~ '^[0-9]{6,12}$'),
  level text not null check (level in ('district', 'subdistrict', 'community', 'workstation')),
  name text not null check (length(name) between 1 and 100),
  short_name text not null,
  parent_code text references divisions (code),
  -- GeoJSON geometry in WGS-84. For the district it is the real outline; below it, if present, it is illustrative.
  geometry jsonb,
  geometry_illustrative boolean not null default true,
  geometry_source_crs text check (geometry_source_crs in ('WGS-84', 'GCJ-02', 'BD-09')),
  sort_order integer not null default 0,
  check ((level = 'district') = (parent_code is null))
);
create index divisions_parent_idx on divisions (parent_code);

create table organisations (
  id uuid primary key default gen_random_uuid(),
  external_id text unique,
  name text not null check (length(name) between 1 and 200),
  kind text not null check (kind in ('guidance_centre', 'school', 'community_parent_school', 'venue')),
  division_code text references divisions (code),
  address text,
  lon double precision check (lon between -180 and 180),
  lat double precision check (lat between -90 and 90),
  source_crs text check (source_crs in ('WGS-84', 'GCJ-02', 'BD-09')),
  location_illustrative boolean not null default false,
  version integer not null default 1,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  check ((lon is null) = (lat is null)),
  check ((lon is null) = (source_crs is null))
);
create index organisations_kind_idx on organisations (kind);
create index organisations_division_idx on organisations (division_code);

create table users (
  id uuid primary key default gen_random_uuid(),
  username text,
  phone text,
  display_name text not null check (length(display_name) between 1 and 100),
  password_hash text not null,
  locale text not null default 'zh-CN' check (locale in ('zh-CN', 'en')),
  disabled boolean not null default false,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  check (username is not null or phone is not null),
  check (username is null or username ~ '^[a-z0-9][a-z0-9._-]{2,39}$'),
  check (phone is null or phone ~ '^1[3-9][0-9]{9}$')
);
create unique index users_username_key on users (username);
create unique index users_phone_key on users (phone);

-- A role held within one scope. Guardianship is not a grant: it is membership of a family (family_guardians).
create table role_grants (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references users (id) on delete cascade,
  role text not null check (role in ('district_admin', 'centre_staff', 'school_admin', 'community_admin', 'venue_manager', 'teacher')),
  scope_type text not null check (scope_type in ('district', 'subdistrict', 'community', 'organisation')),
  scope_id text not null,
  granted_by uuid references users (id) on delete set null,
  created_at timestamptz not null default now(),
  unique (user_id, role, scope_type, scope_id)
);
create index role_grants_scope_idx on role_grants (scope_type, scope_id);

create table families (
  id uuid primary key default gen_random_uuid(),
  name text not null check (length(name) between 1 and 100),
  created_by uuid references users (id) on delete set null,
  created_at timestamptz not null default now()
);

create table family_guardians (
  family_id uuid not null references families (id) on delete cascade,
  user_id uuid not null references users (id) on delete cascade,
  relation text check (relation is null or length(relation) <= 20),
  joined_at timestamptz not null default now(),
  primary key (family_id, user_id)
);
create index family_guardians_user_idx on family_guardians (user_id);

create table children (
  id uuid primary key default gen_random_uuid(),
  family_id uuid not null references families (id) on delete cascade,
  display_name text not null check (length(display_name) between 1 and 50),
  birth_year integer check (birth_year between 1990 and 2100),
  school_id uuid references organisations (id) on delete set null,
  grade text check (grade is null or length(grade) <= 20),
  pin_hash text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index children_family_idx on children (family_id);
create index children_school_idx on children (school_id);

create table family_invitations (
  id uuid primary key default gen_random_uuid(),
  family_id uuid not null references families (id) on delete cascade,
  code_hash text not null unique,
  relation text,
  created_by uuid not null references users (id) on delete cascade,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  accepted_by uuid references users (id) on delete set null,
  accepted_at timestamptz
);

create table sessions (
  id text primary key, -- sha256 of the cookie secret; the secret itself is never stored
  user_id uuid not null references users (id) on delete cascade,
  csrf_token text not null,
  child_id uuid references children (id) on delete cascade,
  ip text,
  user_agent text,
  created_at timestamptz not null default now(),
  last_seen_at timestamptz not null default now(),
  expires_at timestamptz not null
);
create index sessions_user_idx on sessions (user_id);
create index sessions_expires_idx on sessions (expires_at);

create table api_tokens (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references users (id) on delete cascade,
  name text not null check (length(name) between 1 and 100),
  token_hash text not null unique,
  prefix text not null,
  created_at timestamptz not null default now(),
  expires_at timestamptz,
  last_used_at timestamptz,
  revoked_at timestamptz
);
create index api_tokens_user_idx on api_tokens (user_id);

-- Failed and successful sign-in attempts, for rate limiting that holds across several app instances.
create table sign_in_attempts (
  id bigint generated always as identity primary key,
  key text not null,
  succeeded boolean not null,
  at timestamptz not null default now()
);
create index sign_in_attempts_key_at_idx on sign_in_attempts (key, at);

-- Append-only audit log. Rows are never updated or deleted by the application.
create table audit_events (
  id bigint generated always as identity primary key,
  at timestamptz not null default now(),
  actor_user_id uuid references users (id) on delete set null,
  actor_child_id uuid references children (id) on delete set null,
  action text not null,
  resource_type text not null,
  resource_id text,
  ip text,
  detail jsonb not null default '{}'::jsonb
);
create index audit_events_action_idx on audit_events (action, id);
create index audit_events_resource_idx on audit_events (resource_type, resource_id);
