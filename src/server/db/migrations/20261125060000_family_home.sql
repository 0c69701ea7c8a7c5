-- A family's home point (issue 4: search "within N walking minutes of my home"). Kept in its own table, not on
-- families, so that staff who may read a family (its children's school, district support) never see where it lives:
-- only the family's guardians read or change it, and each change is audited. Stored in WGS-84 with the system the
-- guardian gave it in; the UI suggests a point near home (a street corner), not the door.
create table family_homes (
  family_id uuid primary key references families (id) on delete cascade,
  lon double precision not null check (lon between -180 and 180),
  lat double precision not null check (lat between -90 and 90),
  source_crs text not null check (source_crs in ('WGS-84', 'GCJ-02', 'BD-09')),
  label text check (label is null or length(label) between 1 and 60),
  updated_by uuid references users (id) on delete set null,
  updated_at timestamptz not null default now()
);
