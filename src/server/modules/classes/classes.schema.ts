import { z } from '@hono/zod-openapi';

const Code = z.string().regex(/^[a-z][a-z0-9_]{1,40}$/);
export const TierSchema = z.enum(['general', 'required', 'custom']).openapi({ description: 'general 理念引领课 · required 养育必修课 · custom 个性提升课' });
export const FormatSchema = z.enum(['in_person', 'online', 'mixed']);
export const GuardianRoleSchema = z.enum(['any', 'mother', 'father', 'grandparent', 'expecting', 'committee']);
export const ClassModeSchema = z.enum(['fixed', 'flexible']);
export const ClassKindSchema = z.enum(['parent_class', 'flexible_care', 'weekend_class']).openapi({ description: 'parent_class 家长课堂 · flexible_care 弹性托管 · weekend_class 周末课堂' });
export const BookingStatusSchema = z.enum(['confirmed', 'waitlisted', 'cancelled']);
const CourseStatus = z.enum(['draft', 'published', 'archived']);
const Instant = z.iso.datetime({ offset: true }).openapi({ example: '2026-12-05T09:30:00+08:00' });

/** The Idempotency-Key header (HTTP header names are case-insensitive; the document lists it in lower case). */
export const idempotencyHeader = () =>
  z.object({
    'idempotency-key': z
      .string()
      .min(8)
      .max(100)
      .optional()
      .openapi({ description: 'Idempotency-Key (required): a unique string per intended request; a retry with the same key gets the same answer.' }),
  });

// ---- courses --------------------------------------------------------------------------------------------------------

const Material = z.strictObject({
  title: z.string().trim().min(1).max(200),
  url: z.url({ protocol: /^https?$/ }).max(1000).nullable().optional(),
  kind: z.enum(['slides', 'handout', 'video', 'reading', 'other']).optional(),
});

const courseFields = {
  tier: TierSchema,
  topic: Code.openapi({ description: 'e.g. family_education, career_education, mental_health' }),
  title: z.string().trim().min(1).max(200),
  summary: z.string().trim().max(4000).nullable().optional(),
  ageMin: z.number().int().min(0).max(18).optional(),
  ageMax: z.number().int().min(0).max(18).optional(),
  guardianRole: GuardianRoleSchema.optional(),
  format: FormatSchema,
  durationMinutes: z.number().int().min(5).max(600),
  sessionCount: z.number().int().min(1).max(100).optional(),
  providerOrgId: z.uuid().nullable().optional(),
  providerName: z.string().trim().max(200).nullable().optional(),
  materials: z.array(Material).max(50).optional(),
  status: CourseStatus.optional(),
};

export const CreateCourseSchema = z.strictObject(courseFields).openapi('CreateCourse');
export const UpdateCourseSchema = z
  .strictObject({
    tier: courseFields.tier.optional(),
    topic: courseFields.topic.optional(),
    title: courseFields.title.optional(),
    summary: courseFields.summary,
    ageMin: courseFields.ageMin,
    ageMax: courseFields.ageMax,
    guardianRole: courseFields.guardianRole,
    format: courseFields.format.optional(),
    durationMinutes: courseFields.durationMinutes.optional(),
    sessionCount: courseFields.sessionCount,
    providerOrgId: courseFields.providerOrgId,
    providerName: courseFields.providerName,
    materials: courseFields.materials,
    status: courseFields.status,
  })
  .refine((v) => Object.keys(v).length > 0, 'Send at least one field to change')
  .openapi('UpdateCourse');

export const CourseQuerySchema = z.strictObject({
  tier: TierSchema.optional(),
  topic: Code.optional(),
  format: FormatSchema.optional(),
  age: z.coerce.number().int().min(0).max(18).optional(),
  q: z.string().trim().min(1).max(100).optional(),
  status: CourseStatus.optional(),
  hasFile: z.enum(['true', 'false']).transform((v) => v === 'true').optional().openapi({ description: 'true: only library entries with a file to play, read or download; false: only those without' }),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).max(100000).default(0),
});

export const CourseSchema = z
  .object({
    id: z.string(),
    tier: TierSchema,
    topic: z.string(),
    title: z.string(),
    summary: z.string().nullable(),
    ageMin: z.number(),
    ageMax: z.number(),
    guardianRole: GuardianRoleSchema,
    format: FormatSchema,
    durationMinutes: z.number(),
    sessionCount: z.number(),
    provider: z.object({ organisationId: z.string().nullable(), name: z.string().nullable() }),
    materials: z.array(z.object({ title: z.string(), url: z.string().nullable(), kind: z.string() })),
    status: CourseStatus,
    version: z.number(),
    updatedAt: z.string(),
    file: z
      .object({
        mediaKind: z.enum(['video', 'audio', 'article', 'document']).openapi({ description: 'video and audio play in the page, articles are read in the page, documents are downloaded' }),
        contentType: z.string(),
        byteSize: z.number(),
        fileName: z.string(),
        demo: z.boolean().openapi({ description: 'A tiny demo file shipped with the demo data, not real course content' }),
        url: z.string().openapi({ description: 'GET it (signed in; Range requests for seeking, ETag/If-None-Match)' }),
      })
      .nullable()
      .openapi({ description: "The entry's file in our own storage; null when the entry has none yet (the demo entries mostly have none)" }),
  })
  .openapi('Course');

export const CourseListSchema = z.object({ items: z.array(CourseSchema), total: z.number() }).openapi('CourseList');

// ---- classes --------------------------------------------------------------------------------------------------------

const StaffInput = z.strictObject({ userId: z.uuid(), role: z.enum(['lead', 'assistant']).optional() });

export const CreateClassSchema = z
  .strictObject({
    organisationId: z.uuid(),
    courseId: z.uuid().nullable().optional(),
    mode: ClassModeSchema,
    kind: ClassKindSchema.optional(),
    title: z.string().trim().min(1).max(200),
    description: z.string().trim().max(4000).nullable().optional(),
    audience: z.enum(['public', 'school_families']).optional(),
    perFamilyLimit: z.number().int().min(1).max(100).nullable().optional(),
    cancelHours: z.number().int().min(0).max(720).optional(),
    reminderMinutes: z.number().int().min(0).max(10080).optional(),
    termStartsOn: z.iso.date().nullable().optional(),
    termEndsOn: z.iso.date().nullable().optional(),
    seatRows: z.number().int().min(1).max(26).nullable().optional(),
    seatCols: z.number().int().min(1).max(60).nullable().optional(),
    staff: z.array(StaffInput).max(20).optional(),
  })
  .openapi('CreateClass');

export const UpdateClassSchema = z
  .strictObject({
    courseId: z.uuid().nullable().optional(),
    title: z.string().trim().min(1).max(200).optional(),
    description: z.string().trim().max(4000).nullable().optional(),
    audience: z.enum(['public', 'school_families']).optional(),
    perFamilyLimit: z.number().int().min(1).max(100).nullable().optional(),
    cancelHours: z.number().int().min(0).max(720).optional(),
    reminderMinutes: z.number().int().min(0).max(10080).optional(),
    seatRows: z.number().int().min(1).max(26).nullable().optional(),
    seatCols: z.number().int().min(1).max(60).nullable().optional(),
    status: z.enum(['active', 'archived']).optional(),
    staff: z.array(StaffInput).max(20).optional(),
  })
  .refine((v) => Object.keys(v).length > 0, 'Send at least one field to change')
  .openapi('UpdateClass');

export const ClassQuerySchema = z.strictObject({
  organisationId: z.uuid().optional(),
  mode: ClassModeSchema.optional(),
  kind: ClassKindSchema.optional(),
  mine: z.enum(['true', 'false']).optional().openapi({ description: 'Only classes I run (staff)' }),
  limit: z.coerce.number().int().min(1).max(200).default(100),
  offset: z.coerce.number().int().min(0).max(100000).default(0),
});

export const ClassSchema = z
  .object({
    id: z.string(),
    organisation: z.object({ id: z.string(), name: z.string(), kind: z.string() }),
    course: z.object({ id: z.string(), title: z.string().nullable(), tier: TierSchema.nullable() }).nullable(),
    mode: ClassModeSchema,
    kind: ClassKindSchema,
    title: z.string(),
    description: z.string().nullable(),
    audience: z.enum(['public', 'school_families']),
    perFamilyLimit: z.number().nullable(),
    cancelHours: z.number(),
    reminderMinutes: z.number(),
    termStartsOn: z.string().nullable(),
    termEndsOn: z.string().nullable(),
    seatMap: z.object({ rows: z.number(), cols: z.number() }).nullable(),
    staff: z.array(z.object({ userId: z.string(), displayName: z.string(), role: z.enum(['lead', 'assistant']) })),
    status: z.enum(['active', 'archived']),
    demo: z.boolean(),
    version: z.number(),
    canManage: z.boolean().openapi({ description: 'Whether the caller runs this class' }),
  })
  .openapi('Class');

export const ClassListSchema = z.object({ items: z.array(ClassSchema) }).openapi('ClassList');

// ---- sessions -------------------------------------------------------------------------------------------------------

export const CreateSessionsSchema = z
  .strictObject({
    startsAt: Instant,
    durationMinutes: z.number().int().min(10).max(720),
    capacity: z.number().int().min(1).max(10000),
    waitlistCapacity: z.number().int().min(0).max(10000).optional(),
    location: z.string().trim().max(300).nullable().optional(),
    childrenAllowed: z.boolean().optional(),
    maxChildren: z.number().int().min(0).max(10).optional(),
    repeat: z
      .strictObject({
        frequency: z.enum(['daily', 'weekly']),
        count: z.number().int().min(1).max(60),
        skipWeekends: z.boolean().optional(),
      })
      .optional()
      .openapi({ description: 'Recurring sessions: `count` sessions in all, every day (optionally weekdays only) or every week' }),
  })
  .openapi('CreateSessions');

export const UpdateSessionSchema = z
  .strictObject({
    capacity: z.number().int().min(1).max(10000).optional(),
    waitlistCapacity: z.number().int().min(0).max(10000).optional(),
    location: z.string().trim().max(300).nullable().optional(),
    startsAt: Instant.optional().openapi({ description: 'Move the session (before it starts; to a time in the future). Bookings stay; every booked guardian is told; reminders and the cancellation deadline follow.' }),
    durationMinutes: z.number().int().min(10).max(720).optional().openapi({ description: 'New length; the end moves with it' }),
  })
  .refine((v) => Object.keys(v).length > 0, 'Send at least one field to change')
  .openapi('UpdateSession');

export const SessionQuerySchema = z.strictObject({
  classId: z.uuid().optional(),
  organisationId: z.uuid().optional(),
  kind: ClassKindSchema.optional(),
  mode: ClassModeSchema.optional(),
  from: Instant.optional(),
  to: Instant.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  offset: z.coerce.number().int().min(0).max(100000).default(0),
});

export const SessionSchema = z
  .object({
    id: z.string(),
    classId: z.string(),
    seriesId: z.string().nullable(),
    classTitle: z.string(),
    mode: ClassModeSchema,
    kind: ClassKindSchema,
    audience: z.enum(['public', 'school_families']),
    organisation: z.object({ id: z.string(), name: z.string(), kind: z.string() }),
    startsAt: z.string(),
    endsAt: z.string(),
    heldOn: z.string(),
    location: z.string().nullable(),
    capacity: z.number(),
    seatsTaken: z.number(),
    seatsLeft: z.number(),
    waitlistCapacity: z.number(),
    waitlistCount: z.number(),
    childrenAllowed: z.boolean(),
    maxChildren: z.number(),
    cancelUntil: z.string(),
    status: z.enum(['scheduled', 'cancelled']),
    version: z.number(),
  })
  .openapi('ClassSession');

export const SessionListSchema = z.object({ items: z.array(SessionSchema) }).openapi('ClassSessionList');

// ---- bookings -------------------------------------------------------------------------------------------------------

export const BookSchema = z
  .strictObject({
    familyId: z.uuid(),
    guardianUserIds: z.array(z.uuid()).max(6).openapi({ description: 'The guardians who come: one seat each' }),
    childIds: z.array(z.uuid()).max(10).optional().openapi({ description: 'Children who come along, where the session takes children' }),
  })
  .openapi('BookSession');

export const EmptySchema = z.strictObject({}).openapi('Empty');

export const BookingSchema = z
  .object({
    id: z.string(),
    sessionId: z.string(),
    classId: z.string(),
    familyId: z.string(),
    status: BookingStatusSchema,
    seats: z.number(),
    guardianUserIds: z.array(z.string()),
    childIds: z.array(z.string()),
    waitlistPosition: z.number().nullable().openapi({ description: '1 = next to get a seat; null unless waitlisted' }),
    promoted: z.boolean(),
    cancelReason: z.enum(['guardian', 'staff', 'session_cancelled']).nullable(),
    createdAt: z.string(),
  })
  .openapi('ClassBooking');

export const MyBookingSchema = BookingSchema.extend({
  session: z.object({ startsAt: z.string(), endsAt: z.string(), location: z.string().nullable(), status: z.enum(['scheduled', 'cancelled']), cancelUntil: z.string() }),
  classTitle: z.string(),
  kind: ClassKindSchema,
  organisationName: z.string(),
}).openapi('MyClassBooking');

export const MyBookingsQuerySchema = z.strictObject({
  all: z.enum(['true', 'false']).optional().openapi({ description: 'Include past and cancelled bookings' }),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

export const NotificationSchema = z
  .object({
    id: z.string(),
    kind: z.enum(['reminder', 'promoted', 'session_cancelled', 'session_changed', 'booking_cancelled', 'enrolled']),
    sessionId: z.string().nullable(),
    bookingId: z.string().nullable(),
    title: z.string(),
    body: z.string(),
    createdAt: z.string(),
    readAt: z.string().nullable(),
  })
  .openapi('ClassNotification');

export const NotificationQuerySchema = z.strictObject({ limit: z.coerce.number().int().min(1).max(200).default(50) });

// ---- check-in -------------------------------------------------------------------------------------------------------

export const CheckInSchema = z
  .strictObject({
    token: z.string().min(10).max(300).optional().openapi({ description: 'The scanned session code (S1.…)' }),
    sessionId: z.uuid().optional(),
    digits: z.string().regex(/^\d{6}$/).optional().openapi({ description: 'The 6-digit form of the code, with sessionId' }),
  })
  .refine((v) => (v.token !== undefined) !== (v.sessionId !== undefined && v.digits !== undefined), 'Send either token, or sessionId and digits')
  .openapi('CheckIn');

export const ScanPassSchema = z.strictObject({ token: z.string().min(10).max(300).openapi({ description: "The guardian's pass (P1.…)" }) }).openapi('ScanPass');

export const MarksSchema = z
  .strictObject({
    marks: z
      .array(z.strictObject({ guardianUserId: z.uuid(), at: Instant.optional().openapi({ description: 'When the mark was made (offline marks keep their time)' }) }))
      .min(1)
      .max(500),
  })
  .openapi('CheckInMarks');

export const CheckInResultSchema = z
  .object({ sessionId: z.string(), guardianUserId: z.string(), familyId: z.string(), method: z.enum(['qr_self', 'qr_staff', 'manual']), checkedInAt: z.string() })
  .openapi('CheckInResult');

export const MarksResultSchema = z
  .object({
    sessionId: z.string(),
    results: z.array(z.object({ guardianUserId: z.string(), status: z.enum(['checked_in', 'already_checked_in', 'not_on_roster']), checkedInAt: z.string().nullable() })),
  })
  .openapi('CheckInMarksResult');

export const SessionCodeSchema = z
  .object({ sessionId: z.string(), token: z.string(), digits: z.string(), windowSeconds: z.number(), rotatesAt: z.string(), expiresAt: z.string() })
  .openapi('CheckInCode');

export const PassSchema = z
  .object({ sessionId: z.string(), guardianUserId: z.string(), token: z.string(), windowSeconds: z.number(), rotatesAt: z.string(), expiresAt: z.string() })
  .openapi('CheckInPass');

export const RosterSchema = z
  .object({
    session: SessionSchema,
    entries: z.array(
      z.object({
        familyId: z.string(),
        familyName: z.string(),
        bookingId: z.string().nullable(),
        enrolmentId: z.string().nullable(),
        status: z.enum(['confirmed', 'waitlisted', 'enrolled']),
        seatLabel: z.string().nullable(),
        guardians: z.array(z.object({ userId: z.string(), displayName: z.string(), checkedInAt: z.string().nullable(), method: z.enum(['qr_self', 'qr_staff', 'manual']).nullable() })),
        children: z.array(z.object({ id: z.string(), displayName: z.string() })),
      }),
    ),
  })
  .openapi('ClassRoster');

// ---- fixed classes --------------------------------------------------------------------------------------------------

const SeatLabel = z.string().regex(/^[A-Z][0-9]{1,2}$/).openapi({ example: 'B7' });
export const EnrolSchema = z.strictObject({ familyId: z.uuid(), seatLabel: SeatLabel.nullable().optional() }).openapi('Enrol');
export const MoveSeatSchema = z.strictObject({ seatLabel: SeatLabel.nullable() }).openapi('MoveSeat');
export const EnrolmentSchema = z
  .object({ id: z.string(), classId: z.string(), familyId: z.string(), familyName: z.string(), status: z.enum(['active', 'withdrawn']), seatLabel: z.string().nullable(), enrolledAt: z.string() })
  .openapi('Enrolment');
export const EnrolmentsSchema = z
  .object({
    class: ClassSchema,
    enrolments: z.array(EnrolmentSchema),
    changes: z.array(
      z.object({ id: z.number(), family_id: z.string(), family_name: z.string(), action: z.enum(['enrol', 'withdraw', 'seat']), seat_from: z.string().nullable(), seat_to: z.string().nullable(), changed_by: z.string().nullable(), changed_at: z.string() }),
    ),
  })
  .openapi('ClassEnrolments');
export const FamilyPickSchema = z.object({ items: z.array(z.object({ id: z.string(), name: z.string() })) }).openapi('FamilyPicks');

export const CalendarFeedSchema = z
  .object({
    active: z.boolean(),
    createdAt: z.string().datetime().nullable(),
    lastUsedAt: z.string().datetime().nullable().openapi({ description: 'When a calendar app last read it (to the hour)' }),
    path: z
      .string()
      .nullable()
      .openapi({ description: 'The secret subscription path, only in the answer that made it; prefix the site origin (https:// or webcal://)' }),
  })
  .openapi('ClassCalendarFeed');

/** The secret of a calendar subscription URL: 32 random bytes, base64url. */
export const FeedTokenParamsSchema = z.object({
  token: z
    .string()
    .regex(/^[A-Za-z0-9_-]{43}$/, 'not a calendar link token')
    .openapi({ param: { name: 'token', in: 'path' }, example: 'x'.repeat(43) }),
});
