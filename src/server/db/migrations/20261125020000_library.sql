-- The online course library (issue 5, part 5): files of library entries in our own storage, progress and completion
-- per guardian. Entries are rows of class_courses (format online); the bytes live in the configured store
-- (src/server/storage: a directory under the data directory or an S3-compatible bucket), under a key derived from
-- their SHA-256, so the same bytes are stored once and a key never changes meaning. See docs/PARENT-CLASSES.md.

create table library_files (
  course_id uuid primary key references class_courses (id) on delete cascade,
  storage_key text not null check (storage_key ~ '^[a-z0-9][a-z0-9._/-]*$' and length(storage_key) <= 500),
  -- What the item is, decided from the bytes (magic numbers) at upload: how the web app presents it.
  media_kind text not null check (media_kind in ('video', 'audio', 'article', 'document')),
  content_type text not null check (length(content_type) between 3 and 100),
  byte_size bigint not null check (byte_size > 0),
  sha256 text not null check (sha256 ~ '^[0-9a-f]{64}$'),
  file_name text not null check (length(file_name) between 1 and 200),
  -- Demo files shipped by the seed are labelled as such in the API and UI.
  demo boolean not null default false,
  uploaded_by uuid references users (id) on delete set null,
  uploaded_at timestamptz not null default now()
);

-- One row per guardian and library entry. Completion is monotonic: once completed_at is set it is never cleared or
-- moved, and percent only grows (the position is where to resume, and may go back).
create table library_progress (
  user_id uuid not null references users (id) on delete cascade,
  course_id uuid not null references class_courses (id) on delete cascade,
  position_seconds integer not null default 0 check (position_seconds between 0 and 86400),
  percent smallint not null default 0 check (percent between 0 and 100),
  started_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  completed_at timestamptz,
  primary key (user_id, course_id),
  check (completed_at is null or percent = 100)
);
create index library_progress_course_idx on library_progress (course_id) where completed_at is not null;
create index library_progress_recent_idx on library_progress (user_id, updated_at desc);
