import type { ColumnType, Generated, RawBuilder } from 'kysely';

/** Kysely types of the parent-school classes tables (migration 20261124010000_classes.sql is the source of truth). */
type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
type DateText = ColumnType<string, string, string>;
type NullableDateText = ColumnType<string | null, string | null | undefined, string | null>;
type Json<T = unknown> = ColumnType<T, string, string>;
/** uuid[] columns: read as arrays; written as a PostgreSQL array literal cast in SQL (see classes.repository.ts). */
type UuidArray = ColumnType<string[], RawBuilder<string[]>, RawBuilder<string[]>>;

export type CourseTier = 'general' | 'required' | 'custom';
export type CourseFormat = 'in_person' | 'online' | 'mixed';
export type GuardianRole = 'any' | 'mother' | 'father' | 'grandparent' | 'expecting' | 'committee';
export type ClassMode = 'fixed' | 'flexible';
export type ClassKind = 'parent_class' | 'flexible_care' | 'weekend_class';
export type BookingStatus = 'confirmed' | 'waitlisted' | 'cancelled';
export type CheckInMethod = 'qr_self' | 'qr_staff' | 'manual';
export type AttendanceEventStatus = 'pending' | 'delivered' | 'not_eligible' | 'held' | 'failed';
export type NotificationKind = 'reminder' | 'promoted' | 'session_cancelled' | 'session_changed' | 'booking_cancelled' | 'enrolled';

export interface CourseMaterial {
  title: string;
  url: string | null;
  kind: 'slides' | 'handout' | 'video' | 'reading' | 'other';
}

export interface ClassCoursesTable {
  id: Generated<string>;
  external_id: string | null;
  tier: CourseTier;
  topic: string;
  title: string;
  summary: string | null;
  age_min: Generated<number>;
  age_max: Generated<number>;
  guardian_role: Generated<GuardianRole>;
  format: CourseFormat;
  duration_minutes: number;
  session_count: Generated<number>;
  provider_org_id: string | null;
  provider_name: string | null;
  materials: Json<CourseMaterial[]>;
  status: Generated<'draft' | 'published' | 'archived'>;
  version: Generated<number>;
  created_by: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface ClassesTable {
  id: Generated<string>;
  organisation_id: string;
  course_id: string | null;
  mode: ClassMode;
  kind: Generated<ClassKind>;
  title: string;
  description: string | null;
  audience: Generated<'public' | 'school_families'>;
  per_family_limit: number | null;
  cancel_hours: Generated<number>;
  reminder_minutes: Generated<number>;
  term_starts_on: NullableDateText;
  term_ends_on: NullableDateText;
  seat_rows: number | null;
  seat_cols: number | null;
  status: Generated<'active' | 'archived'>;
  demo: Generated<boolean>;
  version: Generated<number>;
  created_by: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface ClassStaffTable {
  class_id: string;
  user_id: string;
  role: Generated<'lead' | 'assistant'>;
  added_by: string | null;
  added_at: Timestamp;
}

export interface ClassSessionsTable {
  id: Generated<string>;
  class_id: string;
  series_id: string | null;
  starts_at: Timestamp;
  ends_at: Timestamp;
  held_on: DateText;
  location: string | null;
  capacity: number;
  waitlist_capacity: Generated<number>;
  children_allowed: Generated<boolean>;
  max_children: Generated<number>;
  cancel_until: Timestamp;
  status: Generated<'scheduled' | 'cancelled'>;
  seats_taken: Generated<number>;
  waitlist_count: Generated<number>;
  version: Generated<number>;
  created_by: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface ClassBookingsTable {
  id: Generated<string>;
  seq: Generated<number>;
  session_id: string;
  class_id: string;
  family_id: string;
  booked_by: string | null;
  guardian_user_ids: UuidArray;
  child_ids: UuidArray;
  seats: number;
  status: BookingStatus;
  promoted: Generated<boolean>;
  confirmed_at: NullableTimestamp;
  cancelled_at: NullableTimestamp;
  cancelled_by: string | null;
  cancel_reason: 'guardian' | 'staff' | 'session_cancelled' | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface ClassIdempotencyTable {
  user_id: string;
  key: string;
  operation: string;
  request_hash: string;
  status_code: number;
  response: Json<unknown>;
  created_at: Timestamp;
}

export interface ClassEnrolmentsTable {
  id: Generated<string>;
  class_id: string;
  family_id: string;
  status: Generated<'active' | 'withdrawn'>;
  seat_label: string | null;
  enrolled_by: string | null;
  enrolled_at: Timestamp;
  withdrawn_by: string | null;
  withdrawn_at: NullableTimestamp;
}

export interface ClassRosterChangesTable {
  id: Generated<number>;
  class_id: string;
  family_id: string;
  action: 'enrol' | 'withdraw' | 'seat';
  seat_from: string | null;
  seat_to: string | null;
  changed_by: string | null;
  changed_at: Timestamp;
}

export interface ClassAttendanceTable {
  session_id: string;
  guardian_user_id: string;
  family_id: string;
  booking_id: string | null;
  enrolment_id: string | null;
  method: CheckInMethod;
  marked_by: string | null;
  checked_in_at: ColumnType<Date, Date | string, Date | string>;
  created_at: Timestamp;
}

export interface ClassAttendanceEventsTable {
  id: Generated<string>;
  seq: Generated<number>;
  session_id: string;
  class_id: string;
  organisation_id: string;
  organisation_kind: string;
  guardian_user_id: string;
  family_id: string;
  held_on: DateText;
  title: string;
  staff_user_id: string | null;
  status: Generated<AttendanceEventStatus>;
  attempts: Generated<number>;
  next_attempt_at: Timestamp;
  last_error: string | null;
  result: ColumnType<unknown, string | null | undefined, string | null>;
  delivered_at: NullableTimestamp;
  created_at: Timestamp;
}

export interface ClassRemindersTable {
  id: Generated<string>;
  booking_id: string;
  session_id: string;
  due_at: ColumnType<Date, Date | string, Date | string>;
  status: Generated<'pending' | 'sent' | 'cancelled'>;
  attempts: Generated<number>;
  sent_at: NullableTimestamp;
  last_error: string | null;
  created_at: Timestamp;
}

export interface ClassNotificationsTable {
  id: Generated<string>;
  user_id: string;
  kind: NotificationKind;
  session_id: string | null;
  booking_id: string | null;
  title: string;
  body: string;
  created_at: Timestamp;
  read_at: NullableTimestamp;
}

export interface ClassCalendarFeedsTable {
  id: string;
  family_id: string;
  token_hash: string;
  created_by: string;
  created_at: Timestamp;
  revoked_at: NullableTimestamp;
  last_used_at: NullableTimestamp;
}

export type LibraryMediaKind = 'video' | 'audio' | 'article' | 'document';

/** Migration 20261125020000_library.sql. */
export interface LibraryFilesTable {
  course_id: string;
  storage_key: string;
  media_kind: LibraryMediaKind;
  content_type: string;
  byte_size: ColumnType<string | number, number, number>;
  sha256: string;
  file_name: string;
  demo: Generated<boolean>;
  uploaded_by: string | null;
  uploaded_at: Timestamp;
}

export interface LibraryProgressTable {
  user_id: string;
  course_id: string;
  position_seconds: Generated<number>;
  percent: Generated<number>;
  started_at: Timestamp;
  updated_at: Timestamp;
  completed_at: NullableTimestamp;
}

export interface ClassesTables {
  library_files: LibraryFilesTable;
  library_progress: LibraryProgressTable;
  class_courses: ClassCoursesTable;
  classes: ClassesTable;
  class_staff: ClassStaffTable;
  class_sessions: ClassSessionsTable;
  class_bookings: ClassBookingsTable;
  class_idempotency: ClassIdempotencyTable;
  class_enrolments: ClassEnrolmentsTable;
  class_roster_changes: ClassRosterChangesTable;
  class_attendance: ClassAttendanceTable;
  class_attendance_events: ClassAttendanceEventsTable;
  class_reminders: ClassRemindersTable;
  class_notifications: ClassNotificationsTable;
  class_calendar_feeds: ClassCalendarFeedsTable;
}
