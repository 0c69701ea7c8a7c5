import type { z } from '@hono/zod-openapi';
import type { LibraryMediaKind } from './classes.tables.ts';
import type { BookingRow, ClassRow, CourseRow, EnrolmentRow, SessionRow } from './classes.repository.ts';
import type { BookingSchema, CalendarFeedSchema, ClassSchema, CourseSchema, NotificationSchema, SessionSchema } from './classes.schema.ts';
import type { CourseMaterial } from './classes.tables.ts';

const iso = (d: Date | string) => new Date(d).toISOString();

export function presentCourse(c: CourseRow): z.infer<typeof CourseSchema> {
  return {
    id: c.id,
    tier: c.tier,
    topic: c.topic,
    title: c.title,
    summary: c.summary,
    ageMin: c.age_min,
    ageMax: c.age_max,
    guardianRole: c.guardian_role,
    format: c.format,
    durationMinutes: c.duration_minutes,
    sessionCount: c.session_count,
    provider: { organisationId: c.provider_org_id, name: c.provider_org_name ?? c.provider_name },
    materials: (c.materials as CourseMaterial[]).map((m) => ({ title: m.title, url: m.url ?? null, kind: m.kind ?? 'other' })),
    status: c.status,
    version: c.version,
    updatedAt: iso(c.updated_at),
    file: presentCourseFile(c),
  };
}

/** The file part of a course row joined with `library_files` (see courseFileColumns). */
export function presentCourseFile(c: { id: string; file_media_kind: LibraryMediaKind | null; file_content_type: string | null; file_byte_size: string | number | null; file_name: string | null; file_demo: boolean | null }) {
  if (!c.file_media_kind) return null;
  return {
    mediaKind: c.file_media_kind,
    contentType: c.file_content_type!,
    byteSize: Number(c.file_byte_size),
    fileName: c.file_name!,
    demo: c.file_demo === true,
    url: `/api/classes/library/${c.id}/file`,
  };
}

export function presentClass(k: ClassRow, staff: { user_id: string; display_name: string; role: 'lead' | 'assistant' }[], canManage: boolean): z.infer<typeof ClassSchema> {
  return {
    id: k.id,
    organisation: { id: k.organisation_id, name: k.organisation_name, kind: k.organisation_kind },
    course: k.course_id ? { id: k.course_id, title: k.course_title, tier: k.course_tier } : null,
    mode: k.mode,
    kind: k.kind,
    title: k.title,
    description: k.description,
    audience: k.audience,
    perFamilyLimit: k.per_family_limit,
    cancelHours: k.cancel_hours,
    reminderMinutes: k.reminder_minutes,
    termStartsOn: k.term_starts_on,
    termEndsOn: k.term_ends_on,
    seatMap: k.seat_rows && k.seat_cols ? { rows: k.seat_rows, cols: k.seat_cols } : null,
    staff: staff.map((s) => ({ userId: s.user_id, displayName: s.display_name, role: s.role })),
    status: k.status,
    demo: k.demo,
    version: k.version,
    canManage,
  };
}

export function presentSession(s: SessionRow): z.infer<typeof SessionSchema> {
  return {
    id: s.id,
    classId: s.class_id,
    seriesId: s.series_id,
    classTitle: s.class_title,
    mode: s.class_mode,
    kind: s.class_kind,
    audience: s.class_audience,
    organisation: { id: s.organisation_id, name: s.organisation_name, kind: s.organisation_kind },
    startsAt: iso(s.starts_at),
    endsAt: iso(s.ends_at),
    heldOn: s.held_on,
    location: s.location,
    capacity: s.capacity,
    seatsTaken: s.seats_taken,
    seatsLeft: Math.max(0, s.capacity - s.seats_taken),
    waitlistCapacity: s.waitlist_capacity,
    waitlistCount: s.waitlist_count,
    childrenAllowed: s.children_allowed,
    maxChildren: s.max_children,
    cancelUntil: iso(s.cancel_until),
    status: s.status,
    version: s.version,
  };
}

export function presentBooking(b: BookingRow, waitlistPosition: number | null): z.infer<typeof BookingSchema> {
  return {
    id: b.id,
    sessionId: b.session_id,
    classId: b.class_id,
    familyId: b.family_id,
    status: b.status,
    seats: b.seats,
    guardianUserIds: b.guardian_user_ids,
    childIds: b.child_ids,
    waitlistPosition: b.status === 'waitlisted' ? waitlistPosition : null,
    promoted: b.promoted,
    cancelReason: b.cancel_reason,
    createdAt: iso(b.created_at),
  };
}

export function presentNotification(n: { id: string; kind: z.infer<typeof NotificationSchema>['kind']; session_id: string | null; booking_id: string | null; title: string; body: string; created_at: Date; read_at: Date | null }): z.infer<typeof NotificationSchema> {
  return { id: n.id, kind: n.kind, sessionId: n.session_id, bookingId: n.booking_id, title: n.title, body: n.body, createdAt: iso(n.created_at), readAt: n.read_at ? iso(n.read_at) : null };
}

export function presentEnrolment(e: EnrolmentRow) {
  return { id: e.id, classId: e.class_id, familyId: e.family_id, familyName: e.family_name, status: e.status, seatLabel: e.seat_label, enrolledAt: iso(e.enrolled_at) };
}

/** A family's calendar subscription; `path` (with the secret) only in the answer that created it. */
export function presentCalendarFeed(
  feed: { created_at: Date | string; last_used_at: Date | string | null } | null,
  token: string | null,
): z.infer<typeof CalendarFeedSchema> {
  return {
    active: feed !== null,
    createdAt: feed ? iso(feed.created_at) : null,
    lastUsedAt: feed?.last_used_at ? iso(feed.last_used_at) : null,
    path: feed && token ? `/api/classes/feeds/${token}/calendar.ics` : null,
  };
}
