-- Parent-school classes (家长学校课程, issue 5): the course catalogue of three tiers, classes run by a parent school
-- (a school's campus parent school or a community parent school) in two modes, their sessions, bookings with a
-- first-come waitlist, check-in, attendance handed on to other modules, reminders and notifications.
-- See docs/PARENT-CLASSES.md.

-- The catalogue: what can be taught. District and guidance-centre staff curate it; schools and communities use it.
-- Tiers: 理念引领课 general (ideas), 养育必修课 required (basic parenting), 个性提升课 custom (customised).
create table class_courses (
  id uuid primary key default gen_random_uuid(),
  external_id text unique check (external_id is null or length(external_id) <= 100),
  tier text not null check (tier in ('general', 'required', 'custom')),
  topic text not null check (topic ~ '^[a-z][a-z0-9_]{1,40}$'),
  title text not null check (length(title) between 1 and 200),
  summary text check (summary is null or length(summary) <= 4000),
  -- Audience: the children's age band and which guardians the course is written for.
  age_min smallint not null default 0 check (age_min between 0 and 18),
  age_max smallint not null default 18 check (age_max between 0 and 18),
  guardian_role text not null default 'any' check (guardian_role in ('any', 'mother', 'father', 'grandparent', 'expecting', 'committee')),
  format text not null check (format in ('in_person', 'online', 'mixed')),
  duration_minutes integer not null check (duration_minutes between 5 and 600),
  session_count integer not null default 1 check (session_count between 1 and 100),
  provider_org_id uuid references organisations (id) on delete set null,
  provider_name text check (provider_name is null or length(provider_name) <= 200),
  -- [{ "title": "…", "url": "https://…" | null, "kind": "slides|handout|video|reading|other" }]
  materials jsonb not null default '[]'::jsonb check (jsonb_typeof(materials) = 'array'),
  status text not null default 'published' check (status in ('draft', 'published', 'archived')),
  version integer not null default 1,
  created_by uuid references users (id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  check (age_min <= age_max)
);
create index class_courses_browse_idx on class_courses (status, tier, topic);

-- A class of one parent school. Fixed classes (固定课堂) have a term, staff, a session plan, an enrolled roster and a
-- seat per family; flexible classes (弹性课堂, also 弹性托管 flexible care and 周末课堂 weekend classes) are booked
-- per session on demand.
create table classes (
  id uuid primary key default gen_random_uuid(),
  organisation_id uuid not null references organisations (id) on delete restrict,
  course_id uuid references class_courses (id) on delete restrict,
  mode text not null check (mode in ('fixed', 'flexible')),
  kind text not null default 'parent_class' check (kind in ('parent_class', 'flexible_care', 'weekend_class')),
  title text not null check (length(title) between 1 and 200),
  description text check (description is null or length(description) <= 4000),
  -- Who may book a flexible class: any family, or only families with a child at the organisation (a school).
  audience text not null default 'public' check (audience in ('public', 'school_families')),
  -- Most active (confirmed or waitlisted) bookings a family may hold in this class at once; null: no limit.
  per_family_limit integer check (per_family_limit between 1 and 100),
  -- Guardians cancel until this many hours before a session starts.
  cancel_hours integer not null default 2 check (cancel_hours between 0 and 720),
  -- A reminder is due this many minutes before a booked session (0: no reminders).
  reminder_minutes integer not null default 1440 check (reminder_minutes between 0 and 10080),
  term_starts_on date,
  term_ends_on date,
  -- Seat map of a fixed class: a grid of rows (A, B, …) and columns (1, 2, …); a seat is labelled like "B7".
  seat_rows integer check (seat_rows between 1 and 26),
  seat_cols integer check (seat_cols between 1 and 60),
  status text not null default 'active' check (status in ('active', 'archived')),
  demo boolean not null default false,
  version integer not null default 1,
  created_by uuid references users (id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  check (term_ends_on is null or term_starts_on is null or term_ends_on >= term_starts_on),
  check ((seat_rows is null) = (seat_cols is null)),
  check (mode = 'fixed' or seat_rows is null)
);
create index classes_organisation_idx on classes (organisation_id, status);

create table class_staff (
  class_id uuid not null references classes (id) on delete cascade,
  user_id uuid not null references users (id) on delete cascade,
  role text not null default 'lead' check (role in ('lead', 'assistant')),
  added_by uuid references users (id) on delete set null,
  added_at timestamptz not null default now(),
  primary key (class_id, user_id)
);
create index class_staff_user_idx on class_staff (user_id);

-- One meeting of a class. `seats_taken` and `waitlist_count` are kept in the same transaction as every booking
-- change while the session row is locked (SELECT … FOR UPDATE); the checks make overbooking impossible even for a
-- faulty writer.
create table class_sessions (
  id uuid primary key default gen_random_uuid(),
  class_id uuid not null references classes (id) on delete restrict,
  -- Sessions created together by one recurrence rule share a series id.
  series_id uuid,
  starts_at timestamptz not null,
  ends_at timestamptz not null,
  -- The day in China the session is held on (what attendance and points are dated by).
  held_on date not null,
  location text check (location is null or length(location) <= 300),
  capacity integer not null check (capacity between 1 and 10000),
  waitlist_capacity integer not null default 0 check (waitlist_capacity between 0 and 10000),
  children_allowed boolean not null default false,
  max_children integer not null default 0 check (max_children between 0 and 10),
  cancel_until timestamptz not null,
  status text not null default 'scheduled' check (status in ('scheduled', 'cancelled')),
  seats_taken integer not null default 0,
  waitlist_count integer not null default 0,
  version integer not null default 1,
  created_by uuid references users (id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  check (ends_at > starts_at),
  check (cancel_until <= starts_at),
  check (seats_taken between 0 and capacity),
  check (waitlist_count between 0 and waitlist_capacity),
  check (children_allowed or max_children = 0)
);
create index class_sessions_class_idx on class_sessions (class_id, starts_at);
create index class_sessions_upcoming_idx on class_sessions (starts_at) where status = 'scheduled';

-- A family's booking of a flexible session: one seat per attending guardian; children come along where allowed.
-- `seq` is the queue order: the waitlist is served first come, first served.
create table class_bookings (
  id uuid primary key default gen_random_uuid(),
  seq bigint generated always as identity unique,
  session_id uuid not null references class_sessions (id) on delete restrict,
  class_id uuid not null references classes (id) on delete restrict,
  family_id uuid not null references families (id) on delete restrict,
  booked_by uuid references users (id) on delete set null,
  guardian_user_ids uuid[] not null check (cardinality(guardian_user_ids) between 1 and 6),
  child_ids uuid[] not null default '{}' check (cardinality(child_ids) <= 10),
  seats integer not null,
  status text not null check (status in ('confirmed', 'waitlisted', 'cancelled')),
  promoted boolean not null default false,
  confirmed_at timestamptz,
  cancelled_at timestamptz,
  cancelled_by uuid references users (id) on delete set null,
  cancel_reason text check (cancel_reason is null or cancel_reason in ('guardian', 'staff', 'session_cancelled')),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  check (seats = cardinality(guardian_user_ids)),
  check (status <> 'confirmed' or confirmed_at is not null),
  check ((status = 'cancelled') = (cancelled_at is not null))
);
-- No family is booked twice for one session.
create unique index class_bookings_one_per_family on class_bookings (session_id, family_id) where status in ('confirmed', 'waitlisted');
create index class_bookings_queue_idx on class_bookings (session_id, status, seq);
create index class_bookings_family_idx on class_bookings (family_id, status);
create index class_bookings_class_family_idx on class_bookings (class_id, family_id) where status in ('confirmed', 'waitlisted');

-- Answers to writes sent with an Idempotency-Key, per user: a retry gets the stored answer (success or refusal).
-- The row is claimed first in the write's own transaction, so concurrent retries wait for the first to finish.
create table class_idempotency (
  user_id uuid not null references users (id) on delete cascade,
  key text not null check (length(key) between 8 and 100),
  operation text not null check (length(operation) <= 50),
  request_hash text not null,
  -- 0 only inside the claiming transaction (nobody else ever sees it).
  status_code integer not null check (status_code = 0 or status_code between 200 and 499),
  response jsonb not null,
  created_at timestamptz not null default now(),
  primary key (user_id, key)
);
create index class_idempotency_created_idx on class_idempotency (created_at);

-- The enrolled roster of a fixed class, with the family's seat on the class's seat map.
create table class_enrolments (
  id uuid primary key default gen_random_uuid(),
  class_id uuid not null references classes (id) on delete restrict,
  family_id uuid not null references families (id) on delete restrict,
  status text not null default 'active' check (status in ('active', 'withdrawn')),
  seat_label text check (seat_label is null or seat_label ~ '^[A-Z][0-9]{1,2}$'),
  enrolled_by uuid references users (id) on delete set null,
  enrolled_at timestamptz not null default now(),
  withdrawn_by uuid references users (id) on delete set null,
  withdrawn_at timestamptz,
  check ((status = 'withdrawn') = (withdrawn_at is not null))
);
create unique index class_enrolments_one_per_family on class_enrolments (class_id, family_id) where status = 'active';
create unique index class_enrolments_one_per_seat on class_enrolments (class_id, seat_label) where status = 'active' and seat_label is not null;
create index class_enrolments_family_idx on class_enrolments (family_id) where status = 'active';

-- Every roster change of a fixed class (also in the audit log).
create table class_roster_changes (
  id bigint generated always as identity primary key,
  class_id uuid not null references classes (id) on delete cascade,
  family_id uuid not null references families (id) on delete restrict,
  action text not null check (action in ('enrol', 'withdraw', 'seat')),
  seat_from text,
  seat_to text,
  changed_by uuid references users (id) on delete set null,
  changed_at timestamptz not null default now()
);
create index class_roster_changes_class_idx on class_roster_changes (class_id, id);

-- Who came: one row per guardian and session, however they checked in.
create table class_attendance (
  session_id uuid not null references class_sessions (id) on delete restrict,
  guardian_user_id uuid not null references users (id) on delete restrict,
  family_id uuid not null references families (id) on delete restrict,
  booking_id uuid references class_bookings (id) on delete restrict,
  enrolment_id uuid references class_enrolments (id) on delete restrict,
  method text not null check (method in ('qr_self', 'qr_staff', 'manual')),
  marked_by uuid references users (id) on delete set null,
  -- When the guardian was seen (a manual mark made offline keeps the time it was made).
  checked_in_at timestamptz not null,
  created_at timestamptz not null default now(),
  primary key (session_id, guardian_user_id),
  check ((booking_id is null) <> (enrolment_id is null))
);
create index class_attendance_family_idx on class_attendance (family_id);

-- Attendance as a domain event for other modules (an outbox, written with the attendance row). The points module
-- is its first consumer: classes held at a school become `parent_class` attendance through
-- PointsService.attendanceEvent; events of community parent schools wait (status 'held') until the points bank has
-- rules for them. `staff_user_id` is the staff member in whose name the event is handed on.
create table class_attendance_events (
  id uuid primary key default gen_random_uuid(),
  seq bigint generated always as identity unique,
  session_id uuid not null references class_sessions (id) on delete restrict,
  class_id uuid not null references classes (id) on delete restrict,
  organisation_id uuid not null references organisations (id) on delete restrict,
  organisation_kind text not null,
  guardian_user_id uuid not null references users (id) on delete restrict,
  family_id uuid not null references families (id) on delete restrict,
  held_on date not null,
  title text not null,
  staff_user_id uuid references users (id) on delete set null,
  status text not null default 'pending' check (status in ('pending', 'delivered', 'not_eligible', 'held', 'failed')),
  attempts integer not null default 0,
  next_attempt_at timestamptz not null default now(),
  last_error text,
  result jsonb,
  delivered_at timestamptz,
  created_at timestamptz not null default now(),
  unique (session_id, guardian_user_id)
);
create index class_attendance_events_due_idx on class_attendance_events (next_attempt_at) where status = 'pending';
create index class_attendance_events_held_idx on class_attendance_events (organisation_kind, seq) where status = 'held';

-- Reminders due before booked sessions; several app instances work the queue together (FOR UPDATE SKIP LOCKED).
create table class_reminders (
  id uuid primary key default gen_random_uuid(),
  booking_id uuid not null unique references class_bookings (id) on delete cascade,
  session_id uuid not null references class_sessions (id) on delete restrict,
  due_at timestamptz not null,
  status text not null default 'pending' check (status in ('pending', 'sent', 'cancelled')),
  attempts integer not null default 0,
  sent_at timestamptz,
  last_error text,
  created_at timestamptz not null default now()
);
create index class_reminders_due_idx on class_reminders (due_at) where status = 'pending';

-- What a guardian is told: reminders, a seat from the waitlist, a cancelled session.
create table class_notifications (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references users (id) on delete cascade,
  kind text not null check (kind in ('reminder', 'promoted', 'session_cancelled', 'booking_cancelled', 'enrolled')),
  session_id uuid references class_sessions (id) on delete cascade,
  booking_id uuid references class_bookings (id) on delete cascade,
  title text not null check (length(title) between 1 and 300),
  body text not null check (length(body) <= 2000),
  created_at timestamptz not null default now(),
  read_at timestamptz
);
create index class_notifications_user_idx on class_notifications (user_id, created_at desc);
