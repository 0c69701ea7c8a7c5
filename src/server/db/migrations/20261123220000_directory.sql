-- Directory of places and offers, aligned with Open Referral HSDS 3.0:
-- organisations (existing table) + locations + services + service_at_location + taxonomies/terms + attributes,
-- with a version history of every change.

alter table organisations
  add column description text,
  add column email text,
  add column website text,
  add column phone text;

create table taxonomies (
  id text primary key check (id ~ '^[a-z][a-z0-9_]{1,40}$'),
  name text not null,
  name_en text not null,
  description text,
  version integer not null default 1,
  updated_at timestamptz not null default now()
);

create table taxonomy_terms (
  id uuid primary key default gen_random_uuid(),
  taxonomy_id text not null references taxonomies (id) on delete cascade,
  code text not null check (code ~ '^[a-z][a-z0-9_]{1,40}$'),
  name text not null check (length(name) between 1 and 100),
  name_en text not null check (length(name_en) between 1 and 100),
  description text,
  parent_id uuid references taxonomy_terms (id) on delete set null,
  sort_order integer not null default 0,
  updated_at timestamptz not null default now(),
  unique (taxonomy_id, code)
);

create table locations (
  id uuid primary key default gen_random_uuid(),
  organisation_id uuid not null references organisations (id) on delete cascade,
  external_id text unique,
  name text not null check (length(name) between 1 and 200),
  description text,
  address text,
  division_code text references divisions (code),
  lon double precision check (lon between -180 and 180),
  lat double precision check (lat between -90 and 90),
  source_crs text check (source_crs in ('WGS-84', 'GCJ-02', 'BD-09')),
  location_illustrative boolean not null default false,
  -- [{ "weekday": 1..7 (Mon..Sun), "opens": "09:00", "closes": "17:00" }]
  opening_hours jsonb not null default '[]'::jsonb,
  accessibility text,
  version integer not null default 1,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  check ((lon is null) = (lat is null))
);
create index locations_organisation_idx on locations (organisation_id);
create index locations_updated_idx on locations (updated_at);

create table services (
  id uuid primary key default gen_random_uuid(),
  organisation_id uuid not null references organisations (id) on delete cascade,
  external_id text unique,
  name text not null check (length(name) between 1 and 200),
  alternate_name text,
  description text,
  service_type text not null check (service_type in ('visit', 'course', 'activity', 'consultation', 'care', 'study_tour', 'volunteering')),
  status text not null default 'active' check (status in ('active', 'inactive', 'defunct')),
  audience text not null default 'families' check (audience in ('children', 'guardians', 'families')),
  min_age integer check (min_age between 0 and 120),
  max_age integer check (max_age between 0 and 120),
  is_free boolean not null default true,
  fees_description text,
  capacity integer check (capacity > 0),
  booking_required boolean not null default false,
  url text,
  email text,
  contact_name text,
  contact_phone text,
  -- HSDS-like schedules: [{ "freq": "WEEKLY", "byday": "SA,SU", "opensAt": "09:00", "closesAt": "11:30", "description": "…" }]
  schedules jsonb not null default '[]'::jsonb,
  version integer not null default 1,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  check (min_age is null or max_age is null or min_age <= max_age)
);
create index services_organisation_idx on services (organisation_id);
create index services_updated_idx on services (updated_at);
create index services_type_idx on services (service_type);

create table service_at_location (
  service_id uuid not null references services (id) on delete cascade,
  location_id uuid not null references locations (id) on delete cascade,
  primary key (service_id, location_id)
);
create index service_at_location_location_idx on service_at_location (location_id);

-- Taxonomy terms attached to organisations, services or locations (HSDS "attribute").
create table attributes (
  link_type text not null check (link_type in ('organization', 'service', 'location')),
  link_id uuid not null,
  term_id uuid not null references taxonomy_terms (id) on delete cascade,
  primary key (link_type, link_id, term_id)
);
create index attributes_term_idx on attributes (term_id, link_type);

-- Who changed what in the directory, with the entity's state after the change (versioned history).
create table directory_changes (
  id bigint generated always as identity primary key,
  entity_type text not null check (entity_type in ('organization', 'service', 'location', 'taxonomy_term')),
  entity_id uuid not null,
  version integer not null,
  change text not null check (change in ('create', 'update', 'import')),
  changed_by uuid references users (id) on delete set null,
  changed_at timestamptz not null default now(),
  changes jsonb not null,
  snapshot jsonb not null
);
create index directory_changes_entity_idx on directory_changes (entity_type, entity_id, version);

-- Default taxonomies (written by us; districts edit them). The program names eight categories of education bases
-- and thirteen kinds of service providers without listing them all; these are our reading of its text.
insert into taxonomies (id, name, name_en, description) values
  ('base_category', '教育基地类别', 'Education base category', '协同育人基地的八大类别（可配置）'),
  ('provider_kind', '服务主体类型', 'Provider kind', '十三类服务主体（可配置）');

insert into taxonomy_terms (taxonomy_id, code, name, name_en, sort_order) values
  ('base_category', 'patriotic', '爱国主义教育', 'Patriotic education', 1),
  ('base_category', 'health', '健康教育', 'Health education', 2),
  ('base_category', 'sports', '体育健身', 'Sports', 3),
  ('base_category', 'arts', '美育艺术', 'Aesthetic and arts education', 4),
  ('base_category', 'science', '科学普及', 'Science popularisation', 5),
  ('base_category', 'labour', '劳动实践', 'Labour and practice', 6),
  ('base_category', 'heritage', '传统文化与非遗', 'Traditional culture and intangible heritage', 7),
  ('base_category', 'ecology', '生态文明', 'Ecology and nature', 8),
  ('provider_kind', 'school', '学校', 'School', 1),
  ('provider_kind', 'community', '社区', 'Community', 2),
  ('provider_kind', 'guidance_centre', '家庭教育指导机构', 'Family-education guidance body', 3),
  ('provider_kind', 'museum', '博物馆与纪念馆', 'Museum or memorial', 4),
  ('provider_kind', 'library', '图书馆与书院', 'Library or academy', 5),
  ('provider_kind', 'culture', '文化艺术机构', 'Cultural or arts institution', 6),
  ('provider_kind', 'sports', '体育场馆', 'Sports venue', 7),
  ('provider_kind', 'science', '科技场馆与科研院所', 'Science centre or research institute', 8),
  ('provider_kind', 'health', '医疗卫生机构', 'Health institution', 9),
  ('provider_kind', 'university', '高校与开放大学', 'University or open university', 10),
  ('provider_kind', 'mass_org', '群团组织', 'Mass organisation (women''s federation, youth league, …)', 11),
  ('provider_kind', 'new_economy', '新经济组织', 'New-economy organisation (enterprise)', 12),
  ('provider_kind', 'new_social', '新社会组织与志愿团体', 'New social organisation or volunteer group', 13);

-- How the program designates a place (a base may hold several designations).
insert into taxonomies (id, name, name_en, description) values
  ('designation', '授牌类型', 'Designation', '协同育人基地、新型文化空间、实践基地、示范基地、工作坊（可配置）');

insert into taxonomy_terms (taxonomy_id, code, name, name_en, sort_order) values
  ('designation', 'education_base', '协同育人基地', 'Co-education base', 1),
  ('designation', 'cultural_space', '新型文化空间', 'New cultural space', 2),
  ('designation', 'practice_base', '协同育人实践基地', 'Co-education practice base', 3),
  ('designation', 'demonstration_base', '协同育人示范基地', 'Co-education demonstration base', 4),
  ('designation', 'workshop', '协同育人工作坊', 'Co-education workshop', 5);
