-- Calendar subscriptions (issue 5, calendars): a family's booked sessions as an iCalendar feed that a phone's calendar
-- app can poll without a session. The URL carries a random 256-bit token; only its sha256 is stored, so a database
-- dump does not reveal working URLs. A family has at most one active feed: making a new one revokes the old one.
create table class_calendar_feeds (
  id uuid primary key,
  family_id uuid not null references families (id) on delete cascade,
  token_hash text not null unique,
  created_by uuid not null references users (id),
  created_at timestamptz not null default now(),
  revoked_at timestamptz,
  -- updated at most hourly by reads, so guardians see whether a calendar app is still subscribed
  last_used_at timestamptz
);

create unique index class_calendar_feeds_active_idx on class_calendar_feeds (family_id) where revoked_at is null;
