-- Directory search (issue 4, part 3): one row per service with its search tokens, two tsvectors and the filter
-- facets, so that a search reads one table. Tokens come from JavaScript (jieba word segmentation, pinyin-pro), so
-- this migration cannot fill the table: the server indexes every service whose row is missing or outdated at boot
-- (and the directory service re-indexes a service in the same transaction as every change to it).
--
-- search_tokens holds four '|'-separated groups of space-separated lexemes (letters and digits only):
--   1 (weight A) the service's name and alternate name
--   2 (weight B) organisation name, category and provider-kind names, service type label
--   3 (weight C) description, fees, schedule notes, places' names and addresses
--   4 (weight D) pinyin of the service and organisation names (full pinyin and initials from each word on)
-- The vector uses the built-in 'simple' configuration (lower-casing only, no stop words, no extension), which
-- PGlite and PostgreSQL ship alike; the lexemes are already what we want, 'simple' only splits on spaces. Whether a
-- match is "by name" is a weight-restricted query on the same vector ('书法':ABD), so one GIN index serves both.
create table service_search (
  service_id uuid primary key references services (id) on delete cascade,
  -- version of the JavaScript indexer that wrote the row; rows below the current one are rewritten at boot
  indexer_version integer not null,
  -- the versions of the service and its organisation the row was built from (boot re-indexes on a mismatch)
  service_version integer not null,
  organisation_id uuid not null references organisations (id) on delete cascade,
  organisation_version integer not null,
  active boolean not null,
  service_type text not null,
  organisation_kind text not null,
  provider_kind text,
  -- base_category codes of the service and of its organisation
  categories text[] not null default '{}',
  -- the organisation's division and every division above it
  division_codes text[] not null default '{}',
  min_age integer,
  max_age integer,
  is_free boolean not null,
  -- bit (d - 1) set when open or offered on weekday d (1 = Monday … 7 = Sunday)
  weekdays integer not null default 0,
  -- WGS-84 points where the service is delivered (its places, else its organisation): [lon1, lat1, lon2, lat2, …]
  points double precision[] not null default '{}',
  -- bounding box of points (null without any), for the straight-line prefilter of "within N minutes"
  bbox box,
  updated_at timestamptz not null,
  search_tokens text not null,
  search_vector tsvector generated always as (
    setweight(to_tsvector('simple', split_part(search_tokens, '|', 1)), 'A')
    || setweight(to_tsvector('simple', split_part(search_tokens, '|', 2)), 'B')
    || setweight(to_tsvector('simple', split_part(search_tokens, '|', 3)), 'C')
    || setweight(to_tsvector('simple', split_part(search_tokens, '|', 4)), 'D')
  ) stored,
  indexed_at timestamptz not null default now()
);

create index service_search_vector_idx on service_search using gin (search_vector);
create index service_search_bbox_idx on service_search using gist (bbox);
create index service_search_categories_idx on service_search using gin (categories);
create index service_search_divisions_idx on service_search using gin (division_codes);
create index service_search_updated_idx on service_search (updated_at desc, service_id);
create index service_search_organisation_idx on service_search (organisation_id);
