import { z } from '@hono/zod-openapi';
import { isValidDate } from './points.dates.ts';

export const IdempotencyKeySchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{8,100}$/, '8–100 letters, digits, - or _')
  .openapi({
    description:
      'Chosen by the client, unique per intended operation (e.g. a UUID made when the form opens). A retry with the same key and the same request gets the same answer; the same key with a different request is refused (409 points_idempotency_conflict).',
    example: 'b1c4f2d0-5a7e-4f4e-9b8a-3e2f1d0c9b8a',
  });

export const DateSchema = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'A date as YYYY-MM-DD')
  .refine(isValidDate, 'Not a calendar date')
  .openapi({ example: '2026-11-23' });

const Text = (max: number) => z.string().trim().min(1).max(max);
const Cap = z.number().int().min(1).max(100_000);

export const RuleKindSchema = z.enum(['home_activity', 'school_attendance', 'child_rating']).openapi('PointsRuleKind');
export const AttendanceKindSchema = z.enum(['parent_meeting', 'parent_class', 'open_day', 'volunteer_duty']).openapi('PointsAttendanceKind');
const Icon = z.string().regex(/^[a-z_]{1,20}$/, 'An icon name');
const RuleCode = z.string().regex(/^[a-z][a-z0-9_]{1,39}$/, 'Lower-case letters, digits and _');
/**
 * Optimistic concurrency: the `version` the client read. When the record has changed since (another admin saved
 * first), the update is refused with 409 points_version_conflict and nothing is written. Optional for scripts that
 * mean to overwrite; the web app always sends it.
 */
const ExpectedVersion = z.number().int().min(1).max(2_147_483_647).optional().openapi({
  description: 'The version you read; if the record has changed since, nothing is written and the answer is 409 points_version_conflict',
  example: 1,
});
/** At least one field to change besides the version precondition. */
const changesSomething = (value: Record<string, unknown>) => Object.keys(value).some((k) => k !== 'version');

const RatingPoints = z
  .tuple([z.number().int().min(0).max(100), z.number().int().min(0).max(100), z.number().int().min(0).max(100)])
  .openapi({ description: 'Points for a rating of 1, 2 and 3', example: [0, 1, 2] });

// ---------------------------------------------------------------------------------------------------------------------
// request bodies

export const PhotoUploadSchema = z
  .strictObject({
    contentType: z.enum(['image/jpeg', 'image/png', 'image/webp']),
    dataBase64: z.string().min(4).max(1_000_000).openapi({ description: 'The image, base64; at most 700 KB decoded (the web app scales photos down first).' }),
  })
  .openapi('PhotoUpload');

export const LogHomeActivitySchema = z
  .strictObject({
    ruleId: z.uuid(),
    occurredOn: DateSchema.optional().openapi({ description: 'Day of the activity (China time); default today; at most 7 days back.' }),
    note: z.string().trim().max(500).optional(),
    photo: PhotoUploadSchema.optional(),
    idempotencyKey: IdempotencyKeySchema,
  })
  .openapi('LogHomeActivity');

export const ReverseEntrySchema = z.strictObject({ reason: Text(500), idempotencyKey: IdempotencyKeySchema }).openapi('ReverseEntry');

export const CreateTermSchema = z
  .strictObject({
    districtCode: z.string().regex(/^\d{6}$/, 'A 6-digit district code').optional().openapi({ description: 'Default: the registry’s only district' }),
    name: Text(100),
    startsOn: DateSchema,
    endsOn: DateSchema,
    ratingPoints: RatingPoints.optional(),
    copyRulesFromTermId: z.uuid().optional().openapi({ description: 'Start from the rules of this term instead of the defaults' }),
  })
  .openapi('CreatePointsTerm');

export const UpdateTermSchema = z
  .strictObject({ name: Text(100).optional(), startsOn: DateSchema.optional(), endsOn: DateSchema.optional(), ratingPoints: RatingPoints.optional(), version: ExpectedVersion })
  .refine(changesSomething, 'Send at least one field to change')
  .openapi('UpdatePointsTerm');

export const CreateRuleSchema = z
  .strictObject({
    kind: z.enum(['home_activity', 'child_rating']).openapi({ description: 'The four school attendance rules are fixed; edit them instead' }),
    code: RuleCode,
    nameZh: Text(50),
    nameEn: Text(80),
    icon: Icon.optional(),
    points: z.number().int().min(1).max(1000).optional().openapi({ description: 'Required for home activities; child-rated behaviours use the term’s conversion table' }),
    capPerDay: Cap.optional(),
    capPerWeek: Cap.optional(),
    capPerTerm: z.number().int().min(1).max(1_000_000).optional(),
    sortOrder: z.number().int().min(0).max(1000).optional(),
  })
  .openapi('CreatePointsRule');

export const UpdateRuleSchema = z
  .strictObject({
    nameZh: Text(50).optional(),
    nameEn: Text(80).optional(),
    icon: Icon.optional(),
    points: z.number().int().min(1).max(1000).optional(),
    capPerDay: Cap.nullable().optional(),
    capPerWeek: Cap.nullable().optional(),
    capPerTerm: z.number().int().min(1).max(1_000_000).nullable().optional(),
    active: z.boolean().optional().openapi({ description: 'false switches the rule off: nothing new is booked by it; its history stays' }),
    sortOrder: z.number().int().min(0).max(1000).optional(),
    version: ExpectedVersion,
  })
  .refine(changesSomething, 'Send at least one field to change')
  .openapi('UpdatePointsRule');

export const CreateSchoolEventSchema = z
  .strictObject({ schoolId: z.uuid(), kind: AttendanceKindSchema, title: Text(200), heldOn: DateSchema, idempotencyKey: IdempotencyKeySchema })
  .openapi('CreateSchoolEvent');

export const RecordAttendanceSchema = z
  .strictObject({
    guardianUserIds: z
      .array(z.uuid())
      .min(1)
      .max(200)
      .refine((ids) => new Set(ids).size === ids.length, 'Each guardian once'),
  })
  .openapi('RecordAttendance');

export const SubmitRatingsSchema = z
  .strictObject({
    guardianUserId: z.uuid().openapi({ description: 'The guardian of the child’s own family whose companionship is rated' }),
    ratings: z
      .array(z.strictObject({ ruleId: z.uuid(), value: z.number().int().min(1).max(3) }))
      .min(1)
      .max(30)
      .refine((ratings) => new Set(ratings.map((r) => r.ruleId)).size === ratings.length, 'Each behaviour once'),
    idempotencyKey: IdempotencyKeySchema,
  })
  .openapi('SubmitRatings');

export const CreateRewardSchema = z
  .strictObject({
    organisationId: z.uuid().openapi({ description: 'The partner offering the reward (a venue, the guidance centre, a parent school)' }),
    title: Text(100),
    description: z.string().trim().max(1000).optional(),
    cost: z.number().int().min(1).max(1_000_000),
    stock: z.number().int().min(0).max(1_000_000),
    perFamilyLimit: z.number().int().min(1).max(1000).optional(),
  })
  .openapi('CreateReward');

export const UpdateRewardSchema = z
  .strictObject({
    title: Text(100).optional(),
    description: z.string().trim().max(1000).nullable().optional(),
    cost: z.number().int().min(1).max(1_000_000).optional(),
    stock: z.number().int().min(0).max(1_000_000).optional(),
    perFamilyLimit: z.number().int().min(1).max(1000).nullable().optional(),
    active: z.boolean().optional().openapi({ description: 'false takes the reward off offer; issued pick-up codes stay valid' }),
    version: ExpectedVersion,
  })
  .refine(changesSomething, 'Send at least one field to change')
  .openapi('UpdateReward');

export const RedeemSchema = z.strictObject({ rewardId: z.uuid(), idempotencyKey: IdempotencyKeySchema }).openapi('Redeem');
export const CancelRedemptionSchema = z.strictObject({ reason: Text(500) }).openapi('CancelRedemption');

// ---------------------------------------------------------------------------------------------------------------------
// query strings (strict: unknown parameters are errors)

export const EntriesQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  before: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional().openapi({ description: 'Entries older than this `seq` (paging)' }),
});
export const WeeksQuerySchema = z.strictObject({ weeks: z.coerce.number().int().min(1).max(26).default(8) });
export const TermQuerySchema = z.strictObject({ termId: z.uuid().optional().openapi({ description: 'Default: the current term' }) });
export const AggregateQuerySchema = z.strictObject({
  termId: z.uuid().optional().openapi({ description: 'Default: the current term' }),
  by: z.enum(['class', 'school', 'community', 'subdistrict']).default('school'),
});
export const RewardPartnersQuerySchema = z.strictObject({
  q: z.string().trim().min(1).max(50).optional().openapi({ description: 'A part of the organisation’s name' }),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export const LimitQuerySchema = z.strictObject({ limit: z.coerce.number().int().min(1).max(200).default(50) });

// ---------------------------------------------------------------------------------------------------------------------
// views

export const RuleViewSchema = z
  .object({
    id: z.string(),
    termId: z.string(),
    kind: RuleKindSchema,
    code: z.string(),
    nameZh: z.string(),
    nameEn: z.string(),
    icon: z.string(),
    points: z.number().int().nullable(),
    capPerDay: z.number().int().nullable(),
    capPerWeek: z.number().int().nullable(),
    capPerTerm: z.number().int().nullable(),
    active: z.boolean(),
    sortOrder: z.number().int(),
    version: z.number().int(),
  })
  .openapi('PointsRule');

export const TermViewSchema = z
  .object({
    id: z.string(),
    districtCode: z.string(),
    name: z.string(),
    startsOn: z.string(),
    endsOn: z.string(),
    ratingPoints: z.array(z.number().int()),
    version: z.number().int(),
  })
  .openapi('PointsTerm');

export const TermWithRulesSchema = TermViewSchema.extend({ rules: z.array(RuleViewSchema) }).openapi('PointsTermWithRules');

export const EntryViewSchema = z
  .object({
    id: z.string(),
    seq: z.number().int(),
    amount: z.number().int(),
    kind: z.enum(['award', 'redemption', 'reversal']),
    sourceType: z.enum(['home_activity', 'attendance', 'child_rating', 'redemption']),
    occurredOn: z.string(),
    balanceAfter: z.number().int(),
    createdAt: z.string(),
    reason: z.string().nullable(),
    reversesEntryId: z.string().nullable(),
    reversedByEntryId: z.string().nullable(),
    actor: z.string().nullable().openapi({ description: 'Who booked it (display name); null for a child or the system' }),
    byChild: z.boolean(),
    rule: z.object({ id: z.string(), code: z.string(), kind: RuleKindSchema, nameZh: z.string(), nameEn: z.string(), icon: z.string() }).nullable(),
    source: z
      .object({
        id: z.string(),
        note: z.string().nullable().optional(),
        photoId: z.string().nullable().optional(),
        eventTitle: z.string().nullable().optional(),
        eventKind: AttendanceKindSchema.nullable().optional(),
        schoolName: z.string().nullable().optional(),
        attendee: z.string().nullable().optional(),
        weekStart: z.string().nullable().optional(),
        rewardTitle: z.string().nullable().optional(),
        redemptionCode: z.string().nullable().optional(),
        redemptionStatus: z.enum(['issued', 'fulfilled', 'cancelled']).nullable().optional(),
      })
      .openapi({ description: 'The evidence the entry points at' }),
  })
  .openapi('PointsEntry');

export const EntryOutcomeSchema = z
  .object({ entry: EntryViewSchema, balanceAfter: z.number().int() })
  .openapi('PointsEntryOutcome', { description: 'The booked entry; a retry with the same idempotency key returns the same body (header Idempotent-Replayed: true).' });

export const EntryListSchema = z.object({ items: z.array(EntryViewSchema), nextBefore: z.number().int().nullable() }).openapi('PointsEntryList');

export const HomeRuleStatusSchema = RuleViewSchema.extend({
  usedToday: z.number().int(),
  usedThisWeek: z.number().int(),
  usedThisTerm: z.number().int(),
  available: z.boolean().openapi({ description: 'Whether logging it today stays within every cap' }),
}).openapi('PointsHomeRuleStatus');

export const AccountSummarySchema = z
  .object({
    familyId: z.string(),
    familyName: z.string(),
    balance: z.number().int(),
    today: z.string(),
    term: TermViewSchema.nullable(),
    termTotals: z.object({ homeActivity: z.number().int(), attendance: z.number().int(), childRating: z.number().int(), redeemed: z.number().int() }),
    homeRules: z.array(HomeRuleStatusSchema),
  })
  .openapi('PointsAccountSummary');

export const SchoolEventViewSchema = z
  .object({
    id: z.string(),
    schoolId: z.string(),
    kind: AttendanceKindSchema,
    title: z.string(),
    heldOn: z.string(),
    source: z.enum(['staff', 'parent_school']),
    attendees: z.number().int(),
  })
  .openapi('SchoolEvent');

export const AttendanceResultSchema = z
  .object({
    event: SchoolEventViewSchema,
    results: z.array(
      z.object({
        guardianUserId: z.string(),
        familyId: z.string(),
        status: z.enum(['credited', 'already_recorded']),
        entryId: z.string().nullable(),
        points: z.number().int(),
      }),
    ),
  })
  .openapi('AttendanceResult');

export const SchoolGuardiansSchema = z
  .object({
    items: z.array(
      z.object({
        userId: z.string(),
        displayName: z.string(),
        relation: z.string().nullable(),
        familyId: z.string(),
        children: z.array(z.object({ displayName: z.string(), grade: z.string().nullable() })),
      }),
    ),
  })
  .openapi('SchoolGuardians');

export const ChildRatingScreenSchema = z
  .object({
    childName: z.string(),
    weekStart: z.string(),
    weekEnd: z.string(),
    guardians: z.array(z.object({ userId: z.string(), displayName: z.string(), relation: z.string().nullable(), ratedRuleIds: z.array(z.string()) })),
    behaviours: z.array(z.object({ id: z.string(), nameZh: z.string(), nameEn: z.string(), icon: z.string() })),
  })
  .openapi('ChildRatingScreen');

export const RatingSheetResultSchema = z
  .object({ sheetId: z.string(), weekStart: z.string(), rated: z.number().int(), thanks: z.literal(true) })
  .openapi('RatingSheetResult', { description: 'What the child sees: a thank-you, not the points' });

export const WeeklyRatingSummarySchema = z
  .object({
    weeks: z.array(
      z.object({
        weekStart: z.string(),
        children: z.number().int(),
        ratings: z.number().int(),
        points: z.number().int(),
        behaviours: z.array(z.object({ ruleId: z.string(), nameZh: z.string(), nameEn: z.string(), icon: z.string(), ratings: z.number().int(), average: z.number() })),
      }),
    ),
  })
  .openapi('WeeklyRatingSummary');

export const RewardViewSchema = z
  .object({
    id: z.string(),
    districtCode: z.string(),
    organisationId: z.string(),
    organisationName: z.string(),
    title: z.string(),
    description: z.string().nullable(),
    cost: z.number().int(),
    stock: z.number().int(),
    perFamilyLimit: z.number().int().nullable(),
    active: z.boolean(),
    version: z.number().int(),
  })
  .openapi('Reward');

export const RewardPartnerListSchema = z
  .object({ items: z.array(z.object({ id: z.string(), name: z.string(), kind: z.enum(['guidance_centre', 'school', 'community_parent_school', 'venue']) })) })
  .openapi('RewardPartnerList');

export const RedemptionViewSchema = z
  .object({
    id: z.string(),
    rewardId: z.string(),
    rewardTitle: z.string(),
    organisationName: z.string(),
    cost: z.number().int(),
    code: z.string(),
    status: z.enum(['issued', 'fulfilled', 'cancelled']),
    createdAt: z.string(),
    fulfilledAt: z.string().nullable(),
    cancelledAt: z.string().nullable(),
    cancelReason: z.string().nullable(),
  })
  .openapi('Redemption');

export const RedemptionOutcomeSchema = z.object({ redemption: RedemptionViewSchema, entry: EntryViewSchema, balanceAfter: z.number().int() }).openapi('RedemptionOutcome');

export const AggregateGroupSchema = z
  .object({
    key: z.string(),
    name: z.string(),
    parentName: z.string().nullable(),
    families: z.number().int(),
    activeFamilies: z.number().int(),
    participationRate: z.number(),
    suppressed: z.boolean().openapi({ description: 'Fewer families than the minimum group size: points are withheld' }),
    pointsEarned: z.number().int().nullable(),
    pointsRedeemed: z.number().int().nullable(),
    averagePerActiveFamily: z.number().nullable(),
    bySource: z.object({ homeActivity: z.number().int(), attendance: z.number().int(), childRating: z.number().int() }).nullable(),
  })
  .openapi('PointsAggregateGroup');

export const AggregatesSchema = z
  .object({
    term: TermViewSchema,
    by: z.enum(['class', 'school', 'community', 'subdistrict']),
    minGroupFamilies: z.number().int(),
    groups: z.array(AggregateGroupSchema),
    totals: z.object({ families: z.number().int(), activeFamilies: z.number().int(), pointsEarned: z.number().int(), pointsRedeemed: z.number().int() }),
  })
  .openapi('PointsAggregates');

export const HandbookSchema = z
  .object({
    family: z.object({ id: z.string(), name: z.string(), guardians: z.array(z.string()), children: z.array(z.object({ displayName: z.string(), schoolName: z.string().nullable(), grade: z.string().nullable() })) }),
    term: TermViewSchema,
    generatedOn: z.string(),
    points: z.object({ earned: z.number().int(), redeemed: z.number().int(), balance: z.number().int(), homeActivity: z.number().int(), attendance: z.number().int(), childRating: z.number().int() }),
    classesAttended: z.array(z.object({ heldOn: z.string(), kind: AttendanceKindSchema, title: z.string(), schoolName: z.string(), attendee: z.string() })),
    activities: z.array(z.object({ ruleId: z.string(), nameZh: z.string(), nameEn: z.string(), icon: z.string(), times: z.number().int(), points: z.number().int() })),
    ratings: z.array(z.object({ ruleId: z.string(), nameZh: z.string(), nameEn: z.string(), ratings: z.number().int(), average: z.number() })),
    weeksRated: z.number().int(),
    badges: z.array(z.object({ code: z.string(), nameZh: z.string(), nameEn: z.string(), descriptionZh: z.string(), descriptionEn: z.string() })),
  })
  .openapi('GrowthHandbook');
