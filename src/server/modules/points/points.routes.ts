import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { errorResponses, jsonBody, jsonContent, uuidParams, type AppEnv, type AppOpenAPI } from '../../http/openapi.ts';
import { storedFileResponse } from '../../storage/serve.ts';
import { presentEntry, presentRedemption, presentReward, presentRewardPartner, presentRule, presentSchoolEvent, presentTerm, presentTermWithRules } from './points.presenter.ts';
import { renderHandbookPdf } from './points.pdf.ts';
import {
  AccountSummarySchema,
  AggregateQuerySchema,
  AggregatesSchema,
  HandbookSchema,
  TermQuerySchema,
  AttendanceResultSchema,
  CancelRedemptionSchema,
  ChildRatingScreenSchema,
  CreateRewardSchema,
  CreateRuleSchema,
  CreateSchoolEventSchema,
  CreateTermSchema,
  EntriesQuerySchema,
  EntryListSchema,
  EntryOutcomeSchema,
  LimitQuerySchema,
  LogHomeActivitySchema,
  RatingSheetResultSchema,
  RecordAttendanceSchema,
  RedeemSchema,
  RedemptionOutcomeSchema,
  RedemptionViewSchema,
  ReverseEntrySchema,
  RewardPartnerListSchema,
  RewardPartnersQuerySchema,
  RewardViewSchema,
  RuleViewSchema,
  SchoolEventViewSchema,
  SchoolGuardiansSchema,
  SubmitRatingsSchema,
  TermWithRulesSchema,
  UpdateRewardSchema,
  UpdateRuleSchema,
  UpdateTermSchema,
  WeeklyRatingSummarySchema,
  WeeksQuerySchema,
} from './points.schema.ts';

const tags = ['points'];
const readErrors = errorResponses(400, 401, 403, 404);
const writeErrors = errorResponses(400, 401, 403, 404, 409, 413, 415);
const replayHeader = {
  'Idempotent-Replayed': { description: 'true when this answers a retry of an earlier request with the same idempotency key', schema: { type: 'string' as const } },
};

const route = createRoute;

const listTerms = route({
  method: 'get',
  path: '/api/points/terms',
  tags,
  summary: 'Terms with their rules (district staff)',
  responses: { 200: jsonContent(z.object({ items: z.array(TermWithRulesSchema) }), 'Terms, newest first'), ...errorResponses(401, 403) },
});
const createTerm = route({
  method: 'post',
  path: '/api/points/terms',
  tags,
  summary: 'Add a term with the default rules or a copy of another term’s (district staff)',
  request: { body: jsonBody(CreateTermSchema) },
  responses: { 201: jsonContent(TermWithRulesSchema, 'Created'), ...writeErrors },
});
const getTerm = route({
  method: 'get',
  path: '/api/points/terms/{id}',
  tags,
  summary: 'One term with its rules (district staff)',
  request: { params: uuidParams('id') },
  responses: { 200: jsonContent(TermWithRulesSchema, 'Term'), ...readErrors },
});
const updateTerm = route({
  method: 'patch',
  path: '/api/points/terms/{id}',
  tags,
  summary: 'Rename a term, move its dates, change the rating conversion table (district staff)',
  description: 'Send `version` (from the term you read) to refuse the change with 409 points_version_conflict when another admin saved first.',
  request: { params: uuidParams('id'), body: jsonBody(UpdateTermSchema) },
  responses: { 200: jsonContent(TermWithRulesSchema, 'Updated'), ...writeErrors },
});
const createRule = route({
  method: 'post',
  path: '/api/points/terms/{id}/rules',
  tags,
  summary: 'Add a home activity or a child-rated behaviour to a term (district staff)',
  request: { params: uuidParams('id'), body: jsonBody(CreateRuleSchema) },
  responses: { 201: jsonContent(RuleViewSchema, 'Created'), ...writeErrors },
});
const updateRule = route({
  method: 'patch',
  path: '/api/points/rules/{id}',
  tags,
  summary: 'Change a rule’s names, points, caps or switch it off (district staff); booked entries keep their amounts',
  description:
    'Caps must stay in the order day ≤ week ≤ term and at least the rule’s points (400 validation_failed, issue codes `cap_order`, `cap_below_points`). Send `version` (from the rule you read) to refuse the change with 409 points_version_conflict when another admin saved first.',
  request: { params: uuidParams('id'), body: jsonBody(UpdateRuleSchema) },
  responses: { 200: jsonContent(RuleViewSchema, 'Updated'), ...writeErrors },
});

const summary = route({
  method: 'get',
  path: '/api/points/families/{id}',
  tags,
  summary: 'The family’s balance, this term’s totals and today’s home activities with what is left under their caps (guardians)',
  request: { params: uuidParams('id') },
  responses: { 200: jsonContent(AccountSummarySchema, 'Account'), ...readErrors },
});
const entries = route({
  method: 'get',
  path: '/api/points/families/{id}/entries',
  tags,
  summary: 'The family’s ledger, newest first, each entry with what it came from (guardians)',
  request: { params: uuidParams('id'), query: EntriesQuerySchema },
  responses: { 200: jsonContent(EntryListSchema, 'Entries'), ...readErrors },
});
const logHome = route({
  method: 'post',
  path: '/api/points/families/{id}/home-activities',
  tags,
  summary: 'Log a home activity (guardians): points of its rule, within its day/week/term caps; optional note and photo',
  request: { params: uuidParams('id'), body: jsonBody(LogHomeActivitySchema) },
  responses: { 201: { ...jsonContent(EntryOutcomeSchema, 'Booked (or the same answer for a retry)'), headers: replayHeader }, ...writeErrors },
});
const reverse = route({
  method: 'post',
  path: '/api/points/entries/{id}/reversal',
  tags,
  summary: 'Correct an award by reversing it with a reason (guardians: own home activities; school staff: their attendance; district staff: any award)',
  request: { params: uuidParams('id'), body: jsonBody(ReverseEntrySchema) },
  responses: { 201: { ...jsonContent(EntryOutcomeSchema, 'The reversal entry'), headers: replayHeader }, ...writeErrors },
});
const photo = route({
  method: 'get',
  path: '/api/points/photos/{id}',
  tags,
  summary: 'A home activity photo (the family’s guardians; audited)',
  request: { params: uuidParams('id') },
  responses: {
    200: { description: 'The image', content: { 'image/jpeg': { schema: z.string().openapi({ format: 'binary' }) }, 'image/png': { schema: z.string().openapi({ format: 'binary' }) } } },
    ...readErrors,
  },
});

const createEvent = route({
  method: 'post',
  path: '/api/points/school-events',
  tags,
  summary: 'Record a parent meeting, parent class, open day or volunteer duty of your school (school admins, teachers)',
  request: { body: jsonBody(CreateSchoolEventSchema) },
  responses: { 201: { ...jsonContent(SchoolEventViewSchema, 'Created (or the same event for a retry)'), headers: replayHeader }, ...writeErrors },
});
const listEvents = route({
  method: 'get',
  path: '/api/points/schools/{id}/events',
  tags,
  summary: 'Events recorded for a school, newest first (its staff)',
  request: { params: uuidParams('id'), query: LimitQuerySchema },
  responses: { 200: jsonContent(z.object({ items: z.array(SchoolEventViewSchema) }), 'Events'), ...readErrors },
});
const schoolGuardians = route({
  method: 'get',
  path: '/api/points/schools/{id}/guardians',
  tags,
  summary: 'Guardians of families with a child at the school, to tick attendance (its staff; audited)',
  request: { params: uuidParams('id') },
  responses: { 200: jsonContent(SchoolGuardiansSchema, 'Guardians'), ...readErrors },
});
const recordAttendance = route({
  method: 'post',
  path: '/api/points/school-events/{id}/attendance',
  tags,
  summary: 'Record who attended; each attendee’s family is credited once (all or nothing; already recorded guardians are reported, not credited again)',
  request: { params: uuidParams('id'), body: jsonBody(RecordAttendanceSchema) },
  responses: { 200: jsonContent(AttendanceResultSchema, 'Recorded'), ...writeErrors },
});

const childScreen = route({
  method: 'get',
  path: '/api/points/child/ratings',
  tags,
  summary: 'Child mode: this week’s behaviours to rate, per guardian of the family, and which are done',
  responses: { 200: jsonContent(ChildRatingScreenSchema, 'Rating screen'), ...errorResponses(401, 403, 409) },
});
const childSubmit = route({
  method: 'post',
  path: '/api/points/child/ratings',
  tags,
  summary: 'Child mode: rate a guardian’s companionship this week (one rating per behaviour per week)',
  request: { body: jsonBody(SubmitRatingsSchema) },
  responses: { 201: { ...jsonContent(RatingSheetResultSchema, 'Thanks'), headers: replayHeader }, ...writeErrors },
});
const weeklyRatings = route({
  method: 'get',
  path: '/api/points/families/{id}/ratings',
  tags,
  summary: 'Weekly summary of the children’s ratings (guardians; audited) — averages per behaviour, not single ratings',
  request: { params: uuidParams('id'), query: WeeksQuerySchema },
  responses: { 200: jsonContent(WeeklyRatingSummarySchema, 'Weeks, newest first'), ...readErrors },
});

const listRewards = route({
  method: 'get',
  path: '/api/points/rewards',
  tags,
  summary: 'Rewards: on offer in your family’s district, and those you manage as a partner',
  responses: { 200: jsonContent(z.object({ items: z.array(RewardViewSchema) }), 'Rewards'), ...errorResponses(401, 403) },
});
const createReward = route({
  method: 'post',
  path: '/api/points/rewards',
  tags,
  summary: 'Offer a reward with stock and a per-family limit (venue managers, school admins, community admins for their venues, district staff)',
  request: { body: jsonBody(CreateRewardSchema) },
  responses: { 201: jsonContent(RewardViewSchema, 'Created'), ...writeErrors },
});
const updateReward = route({
  method: 'patch',
  path: '/api/points/rewards/{id}',
  tags,
  summary: 'Change a reward, restock it or take it off offer (its partner, district staff)',
  description:
    'Send `version` (from the reward you read) to refuse the change with 409 points_version_conflict when someone else edited it first. Redemptions change the stock but not the version: `stock` sets the number left from now on.',
  request: { params: uuidParams('id'), body: jsonBody(UpdateRewardSchema) },
  responses: { 200: jsonContent(RewardViewSchema, 'Updated'), ...writeErrors },
});
const rewardPartners = route({
  method: 'get',
  path: '/api/points/reward-partners',
  tags,
  summary: 'Organisations you may offer rewards for: your venue or school, your community’s venues and parent schools, any organisation for district staff',
  request: { query: RewardPartnersQuerySchema },
  responses: { 200: jsonContent(RewardPartnerListSchema, 'Organisations, by name'), ...errorResponses(400, 401, 403) },
});
const rewardRedemptions = route({
  method: 'get',
  path: '/api/points/rewards/{id}/redemptions',
  tags,
  summary: 'Redemptions of a reward: pick-up codes and status, no family names (its partner, district staff)',
  request: { params: uuidParams('id'), query: LimitQuerySchema },
  responses: { 200: jsonContent(z.object({ items: z.array(RedemptionViewSchema) }), 'Redemptions'), ...readErrors },
});
const redeem = route({
  method: 'post',
  path: '/api/points/families/{id}/redemptions',
  tags,
  summary: 'Spend points on a reward (guardians): a ledger debit with stock, per-family limit and balance checked under lock',
  request: { params: uuidParams('id'), body: jsonBody(RedeemSchema) },
  responses: { 201: { ...jsonContent(RedemptionOutcomeSchema, 'Redeemed (or the same answer for a retry)'), headers: replayHeader }, ...writeErrors },
});
const familyRedemptions = route({
  method: 'get',
  path: '/api/points/families/{id}/redemptions',
  tags,
  summary: 'The family’s redemptions with pick-up codes (guardians)',
  request: { params: uuidParams('id'), query: LimitQuerySchema },
  responses: { 200: jsonContent(z.object({ items: z.array(RedemptionViewSchema) }), 'Redemptions'), ...readErrors },
});
const fulfil = route({
  method: 'post',
  path: '/api/points/redemptions/{id}/fulfil',
  tags,
  summary: 'Mark a redemption as handed over (its partner, district staff)',
  request: { params: uuidParams('id') },
  responses: { 200: jsonContent(RedemptionViewSchema, 'Fulfilled'), ...writeErrors },
});
const cancel = route({
  method: 'post',
  path: '/api/points/redemptions/{id}/cancel',
  tags,
  summary: 'Cancel an issued redemption: the points come back as a reversal entry, the stock goes up (the family, its partner, district staff)',
  request: { params: uuidParams('id'), body: jsonBody(CancelRedemptionSchema) },
  responses: { 200: jsonContent(RedemptionViewSchema, 'Cancelled'), ...writeErrors },
});

const aggregates = route({
  method: 'get',
  path: '/api/points/aggregates',
  tags,
  summary: 'Participation and points by class, school, community or subdistrict (school, community and district staff; audited). Group figures only; small groups show no points; no ranking of families.',
  request: { query: AggregateQuerySchema },
  responses: { 200: jsonContent(AggregatesSchema, 'Groups'), ...readErrors, ...errorResponses(409) },
});
const handbook = route({
  method: 'get',
  path: '/api/points/families/{id}/handbook',
  tags,
  summary: 'The Smart Parent Growth Handbook (智慧家长成长手册) of a family for a term (guardians; audited)',
  request: { params: uuidParams('id'), query: TermQuerySchema },
  responses: { 200: jsonContent(HandbookSchema, 'Handbook'), ...readErrors, ...errorResponses(409) },
});
const handbookPdf = route({
  method: 'get',
  path: '/api/points/families/{id}/handbook.pdf',
  tags,
  summary: 'The handbook as a print-ready A4 PDF with embedded Chinese fonts (guardians; audited)',
  request: { params: uuidParams('id'), query: TermQuerySchema },
  responses: { 200: { description: 'PDF', content: { 'application/pdf': { schema: z.string().openapi({ format: 'binary' }) } } }, ...readErrors, ...errorResponses(409) },
});

function markReplay(c: Context<AppEnv>, replayed: boolean) {
  if (replayed) c.header('Idempotent-Replayed', 'true');
}

export function registerPointsRoutes(app: AppOpenAPI) {
  app.openapi(listTerms, async (c) => c.json({ items: (await c.var.services.points.listTerms(c.var.ctx)).map(presentTermWithRules) }, 200));
  app.openapi(createTerm, async (c) => c.json(presentTermWithRules(await c.var.services.points.createTerm(c.var.ctx, c.req.valid('json'))), 201));
  app.openapi(getTerm, async (c) => c.json(presentTermWithRules(await c.var.services.points.getTerm(c.var.ctx, c.req.valid('param').id)), 200));
  app.openapi(updateTerm, async (c) =>
    c.json(presentTermWithRules(await c.var.services.points.updateTerm(c.var.ctx, c.req.valid('param').id, c.req.valid('json'))), 200),
  );
  app.openapi(createRule, async (c) => c.json(presentRule(await c.var.services.points.createRule(c.var.ctx, c.req.valid('param').id, c.req.valid('json'))), 201));
  app.openapi(updateRule, async (c) => c.json(presentRule(await c.var.services.points.updateRule(c.var.ctx, c.req.valid('param').id, c.req.valid('json'))), 200));

  app.openapi(summary, async (c) => {
    const s = await c.var.services.points.summary(c.var.ctx, c.req.valid('param').id);
    return c.json(
      {
        familyId: s.family.id,
        familyName: s.family.name,
        balance: s.balance,
        today: s.today,
        term: s.term ? presentTerm(s.term) : null,
        termTotals: s.totals,
        homeRules: s.homeRules.map(({ rule, usage, available }) => ({
          ...presentRule(rule),
          usedToday: usage.day,
          usedThisWeek: usage.week,
          usedThisTerm: usage.term,
          available,
        })),
      },
      200,
    );
  });
  app.openapi(entries, async (c) => {
    const { rows, nextBefore } = await c.var.services.points.entries(c.var.ctx, c.req.valid('param').id, c.req.valid('query'));
    return c.json({ items: rows.map(presentEntry), nextBefore }, 200);
  });
  app.openapi(logHome, async (c) => {
    const outcome = await c.var.services.points.logHomeActivity(c.var.ctx, c.req.valid('param').id, c.req.valid('json'));
    markReplay(c, outcome.replayed);
    // A fresh award answers from the rows just written; a retry reads the entry as it is now.
    const entry = outcome.value.entry ?? (await c.var.services.points.entryView(outcome.value.entryId));
    return c.json({ entry: presentEntry(entry), balanceAfter: outcome.value.balanceAfter }, 201);
  });
  app.openapi(reverse, async (c) => {
    const outcome = await c.var.services.points.reverseEntry(c.var.ctx, c.req.valid('param').id, c.req.valid('json'));
    markReplay(c, outcome.replayed);
    return c.json({ entry: presentEntry(await c.var.services.points.entryView(outcome.value.entryId)), balanceAfter: outcome.value.balanceAfter }, 201);
  });
  app.openapi(photo, async (c) => {
    const { storage, file } = await c.var.services.points.photo(c.var.ctx, c.req.valid('param').id);
    return (await storedFileResponse(c.req.raw, storage, file, { disposition: 'inline' })) as never;
  });

  app.openapi(createEvent, async (c) => {
    const outcome = await c.var.services.points.createSchoolEvent(c.var.ctx, c.req.valid('json'));
    markReplay(c, outcome.replayed);
    return c.json(presentSchoolEvent(outcome.value), 201);
  });
  app.openapi(listEvents, async (c) => {
    const rows = await c.var.services.points.listSchoolEvents(c.var.ctx, c.req.valid('param').id, c.req.valid('query').limit);
    return c.json({ items: rows.map(presentSchoolEvent) }, 200);
  });
  app.openapi(schoolGuardians, async (c) => {
    const rows = await c.var.services.points.schoolGuardians(c.var.ctx, c.req.valid('param').id);
    return c.json(
      {
        items: rows.map((g) => ({
          userId: g.user_id,
          displayName: g.display_name,
          relation: g.relation,
          familyId: g.family_id,
          children: g.children.map((child) => ({ displayName: child.display_name, grade: child.grade })),
        })),
      },
      200,
    );
  });
  app.openapi(recordAttendance, async (c) => {
    const { event, results } = await c.var.services.points.recordAttendance(c.var.ctx, c.req.valid('param').id, c.req.valid('json').guardianUserIds);
    return c.json({ event: presentSchoolEvent(event), results }, 200);
  });

  app.openapi(childScreen, async (c) => c.json(await c.var.services.points.childRatingScreen(c.var.ctx), 200));
  app.openapi(childSubmit, async (c) => {
    const outcome = await c.var.services.points.submitRatings(c.var.ctx, c.req.valid('json'));
    markReplay(c, outcome.replayed);
    return c.json({ ...outcome.value, thanks: true as const }, 201);
  });
  app.openapi(weeklyRatings, async (c) =>
    c.json({ weeks: await c.var.services.points.weeklyRatings(c.var.ctx, c.req.valid('param').id, c.req.valid('query').weeks) }, 200),
  );

  app.openapi(listRewards, async (c) => c.json({ items: (await c.var.services.points.listRewards(c.var.ctx)).map(presentReward) }, 200));
  app.openapi(createReward, async (c) => c.json(presentReward(await c.var.services.points.createReward(c.var.ctx, c.req.valid('json'))), 201));
  app.openapi(updateReward, async (c) =>
    c.json(presentReward(await c.var.services.points.updateReward(c.var.ctx, c.req.valid('param').id, c.req.valid('json'))), 200),
  );
  app.openapi(rewardPartners, async (c) => c.json({ items: (await c.var.services.points.rewardPartners(c.var.ctx, c.req.valid('query'))).map(presentRewardPartner) }, 200));
  app.openapi(rewardRedemptions, async (c) => {
    const rows = await c.var.services.points.rewardRedemptions(c.var.ctx, c.req.valid('param').id, c.req.valid('query').limit);
    return c.json({ items: rows.map(presentRedemption) }, 200);
  });
  app.openapi(redeem, async (c) => {
    const outcome = await c.var.services.points.redeem(c.var.ctx, c.req.valid('param').id, c.req.valid('json'));
    markReplay(c, outcome.replayed);
    const [redemption, entry] = await Promise.all([
      c.var.services.points.getRedemption(outcome.value.redemptionId),
      c.var.services.points.entryView(outcome.value.entryId),
    ]);
    return c.json({ redemption: presentRedemption(redemption), entry: presentEntry(entry), balanceAfter: outcome.value.balanceAfter }, 201);
  });
  app.openapi(familyRedemptions, async (c) => {
    const rows = await c.var.services.points.familyRedemptions(c.var.ctx, c.req.valid('param').id, c.req.valid('query').limit);
    return c.json({ items: rows.map(presentRedemption) }, 200);
  });
  app.openapi(fulfil, async (c) => c.json(presentRedemption(await c.var.services.points.fulfilRedemption(c.var.ctx, c.req.valid('param').id)), 200));
  app.openapi(cancel, async (c) =>
    c.json(presentRedemption(await c.var.services.points.cancelRedemption(c.var.ctx, c.req.valid('param').id, c.req.valid('json'))), 200),
  );

  app.openapi(aggregates, async (c) => {
    const result = await c.var.services.points.aggregates(c.var.ctx, c.req.valid('query'));
    return c.json({ ...result, term: presentTerm(result.term) }, 200);
  });
  app.openapi(handbook, async (c) => {
    const book = await c.var.services.points.handbook(c.var.ctx, c.req.valid('param').id, c.req.valid('query').termId);
    return c.json({ ...book, term: presentTerm(book.term) }, 200);
  });
  app.openapi(handbookPdf, async (c) => {
    const book = await c.var.services.points.handbook(c.var.ctx, c.req.valid('param').id, c.req.valid('query').termId);
    const pdf = await renderHandbookPdf(book);
    const file = `handbook-${book.term.starts_on}.pdf`;
    return c.body(new Uint8Array(pdf), 200, { 'content-type': 'application/pdf', 'content-disposition': `inline; filename="${file}"`, 'cache-control': 'private, no-store' }) as never;
  });
}
