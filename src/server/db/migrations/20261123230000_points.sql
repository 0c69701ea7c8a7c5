-- Family points bank (家庭积分银行): terms and rules per district, an append-only ledger with one account per family,
-- the evidence every award points at (home activities, school attendance, children's ratings), rewards and
-- redemptions. See docs/POINTS.md.

-- A term (学期) of one district; rules and caps are configured per term. Terms of a district never overlap
-- (checked by the service under an advisory lock: an exclusion constraint would need btree_gist).
create table points_terms (
  id uuid primary key default gen_random_uuid(),
  district_code text not null references divisions (code),
  name text not null check (length(name) between 1 and 100),
  starts_on date not null,
  ends_on date not null,
  -- Points for a child's rating 1, 2, 3 (index 0, 1, 2): the conversion table from ratings to points.
  rating_points jsonb not null default '[0, 1, 2]'::jsonb,
  version integer not null default 1,
  created_by uuid references users (id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  check (ends_on >= starts_on),
  check (ends_on - starts_on <= 400),
  check (jsonb_typeof(rating_points) = 'array' and jsonb_array_length(rating_points) = 3)
);
create index points_terms_district_idx on points_terms (district_code, starts_on);

-- What earns points: a home activity (在家陪伴), one of the four kinds of school attendance (在校陪伴), or a
-- companionship behaviour the child rates. Child-rated behaviours have no fixed points: the term's table converts.
create table points_rules (
  id uuid primary key default gen_random_uuid(),
  term_id uuid not null references points_terms (id) on delete restrict,
  kind text not null check (kind in ('home_activity', 'school_attendance', 'child_rating')),
  code text not null check (code ~ '^[a-z][a-z0-9_]{1,39}$'),
  name_zh text not null check (length(name_zh) between 1 and 50),
  name_en text not null check (length(name_en) between 1 and 80),
  icon text not null default 'star' check (icon ~ '^[a-z_]{1,20}$'),
  points integer check (points between 1 and 1000),
  cap_per_day integer check (cap_per_day between 1 and 100000),
  cap_per_week integer check (cap_per_week between 1 and 100000),
  cap_per_term integer check (cap_per_term between 1 and 1000000),
  active boolean not null default true,
  sort_order integer not null default 0,
  version integer not null default 1,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (term_id, code),
  check ((kind = 'child_rating') = (points is null)),
  check (kind <> 'school_attendance' or code in ('parent_meeting', 'parent_class', 'open_day', 'volunteer_duty'))
);

-- One account per family, shared by all its guardians. `balance` is the sum of the account's entries, kept in the
-- same transaction as every entry while the account row is locked; it can never go below zero.
create table points_accounts (
  family_id uuid primary key references families (id) on delete restrict,
  district_code text references divisions (code),
  balance bigint not null default 0 check (balance >= 0),
  entry_count integer not null default 0 check (entry_count >= 0),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create table points_photos (
  id uuid primary key default gen_random_uuid(),
  family_id uuid not null references families (id) on delete restrict,
  content_type text not null check (content_type in ('image/jpeg', 'image/png', 'image/webp')),
  byte_size integer not null check (byte_size > 0),
  sha256 text not null check (sha256 ~ '^[0-9a-f]{64}$'),
  -- Relative to the data directory (COEDU_DATA_DIR).
  storage_path text not null,
  uploaded_by uuid references users (id) on delete set null,
  created_at timestamptz not null default now()
);

-- Evidence of a home activity logged by a guardian.
create table points_home_activities (
  id uuid primary key default gen_random_uuid(),
  family_id uuid not null references families (id) on delete restrict,
  rule_id uuid not null references points_rules (id) on delete restrict,
  occurred_on date not null,
  note text check (note is null or length(note) <= 500),
  photo_id uuid references points_photos (id) on delete restrict,
  logged_by uuid references users (id) on delete set null,
  created_at timestamptz not null default now()
);
create index points_home_activities_family_idx on points_home_activities (family_id, occurred_on);

-- A parent meeting / parent class / open day / volunteer duty of a school, recorded by its staff or (later) by the
-- parent-school module (source 'parent_school' with its own reference).
create table points_school_events (
  id uuid primary key default gen_random_uuid(),
  school_id uuid not null references organisations (id) on delete restrict,
  kind text not null check (kind in ('parent_meeting', 'parent_class', 'open_day', 'volunteer_duty')),
  title text not null check (length(title) between 1 and 200),
  held_on date not null,
  source text not null default 'staff' check (source in ('staff', 'parent_school')),
  source_ref text check (source_ref is null or length(source_ref) <= 200),
  idempotency_key text check (idempotency_key is null or length(idempotency_key) <= 100),
  request_hash text,
  recorded_by uuid references users (id) on delete set null,
  created_at timestamptz not null default now(),
  unique (source, source_ref),
  unique (school_id, idempotency_key)
);
create index points_school_events_school_idx on points_school_events (school_id, held_on desc);

-- One row per guardian who attended; the family is credited once per attendee.
create table points_attendance (
  id uuid primary key default gen_random_uuid(),
  event_id uuid not null references points_school_events (id) on delete restrict,
  family_id uuid not null references families (id) on delete restrict,
  guardian_user_id uuid not null references users (id) on delete restrict,
  recorded_by uuid references users (id) on delete set null,
  created_at timestamptz not null default now(),
  unique (event_id, guardian_user_id)
);
create index points_attendance_family_idx on points_attendance (family_id);

-- A child's ratings of one guardian's companionship, submitted together (children's data: reads and writes audited).
create table points_rating_sheets (
  id uuid primary key default gen_random_uuid(),
  family_id uuid not null references families (id) on delete restrict,
  child_id uuid not null references children (id) on delete restrict,
  guardian_user_id uuid not null references users (id) on delete restrict,
  term_id uuid not null references points_terms (id) on delete restrict,
  week_start date not null check (extract(isodow from week_start) = 1),
  idempotency_key text not null check (length(idempotency_key) <= 100),
  request_hash text not null,
  created_at timestamptz not null default now(),
  unique (child_id, idempotency_key)
);
create index points_rating_sheets_family_idx on points_rating_sheets (family_id, week_start);

-- One rating per child, rated guardian, behaviour and week.
create table points_child_ratings (
  sheet_id uuid not null references points_rating_sheets (id) on delete restrict,
  family_id uuid not null references families (id) on delete restrict,
  child_id uuid not null references children (id) on delete restrict,
  guardian_user_id uuid not null references users (id) on delete restrict,
  rule_id uuid not null references points_rules (id) on delete restrict,
  week_start date not null,
  value smallint not null check (value between 1 and 3),
  points integer not null check (points >= 0),
  primary key (child_id, guardian_user_id, rule_id, week_start)
);
create index points_child_ratings_family_idx on points_child_ratings (family_id, week_start);

-- Rewards offered by partners (venues, the guidance centre, schools, community parent schools).
create table points_rewards (
  id uuid primary key default gen_random_uuid(),
  district_code text not null references divisions (code),
  organisation_id uuid not null references organisations (id) on delete restrict,
  title text not null check (length(title) between 1 and 100),
  description text check (description is null or length(description) <= 1000),
  cost integer not null check (cost between 1 and 1000000),
  stock integer not null check (stock >= 0),
  per_family_limit integer check (per_family_limit between 1 and 1000),
  active boolean not null default true,
  version integer not null default 1,
  created_by uuid references users (id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index points_rewards_district_idx on points_rewards (district_code, active);

-- The append-only ledger. Awards are positive, redemptions negative; a correction is a reversal entry that points
-- at the entry it cancels (each entry can be reversed once; a reversal cannot be reversed). `idempotency_key` makes
-- retries harmless: one entry per account and key, and `request_hash` tells a retry from a different request.
create table points_entries (
  id uuid primary key default gen_random_uuid(),
  seq bigint generated always as identity unique,
  family_id uuid not null references points_accounts (family_id) on delete restrict,
  amount integer not null check (amount <> 0),
  kind text not null check (kind in ('award', 'redemption', 'reversal')),
  source_type text not null check (source_type in ('home_activity', 'attendance', 'child_rating', 'redemption')),
  -- The evidence row (points_home_activities, points_attendance, points_rating_sheets or points_redemptions).
  source_id uuid not null,
  rule_id uuid references points_rules (id) on delete restrict,
  term_id uuid references points_terms (id) on delete restrict,
  occurred_on date not null,
  idempotency_key text not null check (length(idempotency_key) between 1 and 200),
  request_hash text not null,
  reverses_entry_id uuid unique references points_entries (id) on delete restrict,
  reason text check (reason is null or length(reason) between 1 and 500),
  balance_after bigint not null check (balance_after >= 0),
  actor_user_id uuid references users (id) on delete set null,
  actor_child_id uuid references children (id) on delete set null,
  created_at timestamptz not null default now(),
  unique (family_id, idempotency_key),
  check ((kind = 'reversal') = (reverses_entry_id is not null)),
  check (kind <> 'reversal' or reason is not null),
  check (kind <> 'award' or amount > 0),
  check (kind <> 'redemption' or amount < 0)
);
create index points_entries_family_idx on points_entries (family_id, seq desc);
create index points_entries_caps_idx on points_entries (family_id, rule_id, occurred_on);
create index points_entries_term_idx on points_entries (term_id, family_id);
create index points_entries_source_idx on points_entries (source_id);

-- Entries are immutable: no update, no delete, whatever the application does.
create function points_entries_immutable() returns trigger language plpgsql as $$
begin
  raise exception 'points_entries rows are immutable; correct with a reversal entry' using errcode = '55000';
end
$$;
create trigger points_entries_no_change before update or delete on points_entries
  for each row execute function points_entries_immutable();

create table points_redemptions (
  id uuid primary key default gen_random_uuid(),
  family_id uuid not null references families (id) on delete restrict,
  reward_id uuid not null references points_rewards (id) on delete restrict,
  cost integer not null check (cost > 0),
  -- Short code the family shows at pick-up.
  code text not null unique check (code ~ '^[A-Z0-9]{8}$'),
  status text not null default 'issued' check (status in ('issued', 'fulfilled', 'cancelled')),
  redeemed_by uuid references users (id) on delete set null,
  fulfilled_by uuid references users (id) on delete set null,
  fulfilled_at timestamptz,
  cancelled_by uuid references users (id) on delete set null,
  cancelled_at timestamptz,
  cancel_reason text check (cancel_reason is null or length(cancel_reason) between 1 and 500),
  created_at timestamptz not null default now(),
  check ((status = 'fulfilled') = (fulfilled_at is not null)),
  check ((status = 'cancelled') = (cancelled_at is not null))
);
create index points_redemptions_family_idx on points_redemptions (family_id, created_at desc);
create index points_redemptions_reward_idx on points_redemptions (reward_id, family_id);
