import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { AppError } from '../../errors.ts';
import { errorResponses, jsonBody, jsonContent, uuidParams, type AppEnv, type AppOpenAPI } from '../../http/openapi.ts';
import { XLSX_TYPE } from './classes.exports.ts';
import type { Answer } from './classes.idempotency.ts';
import {
  EnrolmentSchema,
  EnrolmentsSchema,
  EnrolSchema,
  FamilyPickSchema,
  MoveSeatSchema,
  BookingSchema,
  CalendarFeedSchema,
  FeedTokenParamsSchema,
  CheckInResultSchema,
  CheckInSchema,
  MarksResultSchema,
  MarksSchema,
  PassSchema,
  RosterSchema,
  ScanPassSchema,
  SessionCodeSchema,
  BookSchema,
  ClassListSchema,
  ClassQuerySchema,
  ClassSchema,
  CourseListSchema,
  CourseQuerySchema,
  CourseSchema,
  CreateClassSchema,
  CreateCourseSchema,
  CreateSessionsSchema,
  EmptySchema,
  idempotencyHeader,
  MyBookingSchema,
  MyBookingsQuerySchema,
  NotificationQuerySchema,
  NotificationSchema,
  SessionListSchema,
  SessionQuerySchema,
  SessionSchema,
  UpdateClassSchema,
  UpdateCourseSchema,
  UpdateSessionSchema,
} from './classes.schema.ts';

const tags = ['classes'];
const fileResponse = (type: string, description: string) => ({ content: { [type]: { schema: z.string().openapi({ format: 'binary' }) } }, description });

const writeErrors = errorResponses(400, 401, 403, 404, 409, 413, 415);
const readErrors = errorResponses(400, 401, 403, 404);

const routes = {
  listCourses: createRoute({ method: 'get', path: '/api/classes/courses', tags, summary: 'Course catalogue (three tiers); public', request: { query: CourseQuerySchema }, responses: { 200: jsonContent(CourseListSchema, 'Courses'), ...errorResponses(400, 403) } }),
  getCourse: createRoute({ method: 'get', path: '/api/classes/courses/{id}', tags, summary: 'One course', request: { params: uuidParams('id') }, responses: { 200: jsonContent(CourseSchema, 'Course'), ...errorResponses(400, 404) } }),
  createCourse: createRoute({ method: 'post', path: '/api/classes/courses', tags, summary: 'Add a course to the catalogue (district and centre staff)', request: { body: jsonBody(CreateCourseSchema) }, responses: { 201: jsonContent(CourseSchema, 'Created'), ...writeErrors } }),
  updateCourse: createRoute({ method: 'patch', path: '/api/classes/courses/{id}', tags, summary: 'Change, publish or archive a course (district and centre staff)', request: { params: uuidParams('id'), body: jsonBody(UpdateCourseSchema) }, responses: { 200: jsonContent(CourseSchema, 'Updated'), ...writeErrors } }),

  listSessions: createRoute({ method: 'get', path: '/api/classes/sessions', tags, summary: 'Upcoming sessions to browse and book', request: { query: SessionQuerySchema }, responses: { 200: jsonContent(SessionListSchema, 'Sessions'), ...readErrors } }),
  getSession: createRoute({ method: 'get', path: '/api/classes/sessions/{id}', tags, summary: 'One session with seats left and waitlist', request: { params: uuidParams('id') }, responses: { 200: jsonContent(SessionSchema, 'Session'), ...readErrors } }),
  updateSession: createRoute({ method: 'patch', path: '/api/classes/sessions/{id}', tags, summary: 'Staff change capacity, waitlist size or place (more seats promote the waitlist)', request: { params: uuidParams('id'), body: jsonBody(UpdateSessionSchema) }, responses: { 200: jsonContent(SessionSchema, 'Updated'), ...writeErrors } }),
  cancelSession: createRoute({ method: 'post', path: '/api/classes/sessions/{id}/cancel', tags, summary: 'Staff cancel a session; bookings are cancelled and guardians told', request: { params: uuidParams('id'), body: jsonBody(EmptySchema) }, responses: { 200: jsonContent(SessionSchema, 'Cancelled'), ...writeErrors } }),
  book: createRoute({
    method: 'post',
    path: '/api/classes/sessions/{id}/bookings',
    tags,
    summary: 'Book a session for my family (Idempotency-Key required): confirmed, or queued on the waitlist',
    request: { params: uuidParams('id'), headers: idempotencyHeader(), body: jsonBody(BookSchema) },
    responses: { 201: jsonContent(BookingSchema, 'Booked or waitlisted (or the earlier answer to the same key)'), ...writeErrors },
  }),

  roster: createRoute({ method: 'get', path: '/api/classes/sessions/{id}/roster', tags, summary: 'The roster for staff: families, guardians (checked in or not), children (audited)', request: { params: uuidParams('id') }, responses: { 200: jsonContent(RosterSchema, 'Roster'), ...readErrors } }),
  checkinCode: createRoute({ method: 'get', path: '/api/classes/sessions/{id}/checkin-code', tags, summary: 'The rotating check-in code staff show (30-second windows) and its 6-digit form', request: { params: uuidParams('id') }, responses: { 200: jsonContent(SessionCodeSchema, 'Code'), ...errorResponses(400, 401, 403, 404, 409) } }),
  pass: createRoute({ method: 'get', path: '/api/classes/sessions/{id}/pass', tags, summary: "The guardian's rotating pass for staff to scan", request: { params: uuidParams('id') }, responses: { 200: jsonContent(PassSchema, 'Pass'), ...errorResponses(400, 401, 403, 404, 409) } }),
  checkIn: createRoute({
    method: 'post',
    path: '/api/classes/check-in',
    tags,
    summary: 'A guardian checks in with the scanned session code, or its 6 digits (Idempotency-Key required)',
    request: { headers: idempotencyHeader(), body: jsonBody(CheckInSchema) },
    responses: { 201: jsonContent(CheckInResultSchema, 'Checked in'), ...writeErrors, ...errorResponses(410) },
  }),
  scanPass: createRoute({
    method: 'post',
    path: '/api/classes/sessions/{id}/check-ins/scan',
    tags,
    summary: "Staff scan a guardian's pass (Idempotency-Key required)",
    request: { params: uuidParams('id'), headers: idempotencyHeader(), body: jsonBody(ScanPassSchema) },
    responses: { 201: jsonContent(CheckInResultSchema, 'Checked in'), ...writeErrors, ...errorResponses(410) },
  }),
  marks: createRoute({
    method: 'post',
    path: '/api/classes/sessions/{id}/check-ins',
    tags,
    summary: 'Staff sync marks from the check-in list, possibly made offline (Idempotency-Key required); answered mark by mark',
    request: { params: uuidParams('id'), headers: idempotencyHeader(), body: jsonBody(MarksSchema) },
    responses: { 200: jsonContent(MarksResultSchema, 'Marks'), ...writeErrors },
  }),

  familyCalendar: createRoute({ method: 'get', path: '/api/classes/families/{id}/calendar.ics', tags, summary: "A family's booked sessions as an iCalendar file (its guardians)", request: { params: uuidParams('id') }, responses: { 200: fileResponse('text/calendar', 'Calendar'), ...readErrors } }),
  calendarFeed: createRoute({ method: 'get', path: '/api/classes/families/{id}/calendar-feed', tags, summary: "Whether the family has a calendar subscription link (its guardians; the secret is not shown again)", request: { params: uuidParams('id') }, responses: { 200: jsonContent(CalendarFeedSchema, 'Subscription'), ...readErrors } }),
  createCalendarFeed: createRoute({ method: 'post', path: '/api/classes/families/{id}/calendar-feed', tags, summary: 'Make a new secret calendar subscription link for the family, revoking the previous one (its guardians; audited)', request: { params: uuidParams('id'), body: jsonBody(EmptySchema) }, responses: { 201: jsonContent(CalendarFeedSchema, 'Created; `path` holds the secret, shown only now'), ...writeErrors } }),
  revokeCalendarFeed: createRoute({ method: 'delete', path: '/api/classes/families/{id}/calendar-feed', tags, summary: "Revoke the family's calendar subscription link (its guardians; audited)", request: { params: uuidParams('id') }, responses: { 200: jsonContent(CalendarFeedSchema, 'Revoked'), ...writeErrors } }),
  feedCalendar: createRoute({ method: 'get', path: '/api/classes/feeds/{token}/calendar.ics', tags, summary: "A family's booked sessions for calendar apps, through the family's secret subscription link (no session needed)", security: [], request: { params: FeedTokenParamsSchema }, responses: { 200: fileResponse('text/calendar', 'Calendar'), ...errorResponses(400, 404) } }),
  classCalendar: createRoute({ method: 'get', path: '/api/classes/{id}/calendar.ics', tags, summary: "A class's sessions as an iCalendar file", request: { params: uuidParams('id') }, responses: { 200: fileResponse('text/calendar', 'Calendar'), ...readErrors } }),
  rosterXlsx: createRoute({ method: 'get', path: '/api/classes/sessions/{id}/roster.xlsx', tags, summary: 'Roster and attendance of a session as XLSX (staff; audited)', request: { params: uuidParams('id') }, responses: { 200: fileResponse(XLSX_TYPE, 'Spreadsheet'), ...readErrors } }),

  myBookings: createRoute({ method: 'get', path: '/api/classes/bookings/mine', tags, summary: "My families' bookings", request: { query: MyBookingsQuerySchema }, responses: { 200: jsonContent(z.object({ items: z.array(MyBookingSchema) }), 'Bookings'), ...readErrors } }),
  getBooking: createRoute({ method: 'get', path: '/api/classes/bookings/{id}', tags, summary: 'One booking (its family or the class staff)', request: { params: uuidParams('id') }, responses: { 200: jsonContent(BookingSchema, 'Booking'), ...readErrors } }),
  cancelBooking: createRoute({
    method: 'post',
    path: '/api/classes/bookings/{id}/cancel',
    tags,
    summary: 'Cancel a booking (Idempotency-Key required); the freed seats go to the waitlist',
    request: { params: uuidParams('id'), headers: idempotencyHeader(), body: jsonBody(EmptySchema) },
    responses: { 200: jsonContent(BookingSchema, 'Cancelled'), ...writeErrors },
  }),

  notifications: createRoute({ method: 'get', path: '/api/classes/notifications', tags, summary: 'My class notifications: reminders, waitlist seats, cancellations', request: { query: NotificationQuerySchema }, responses: { 200: jsonContent(z.object({ items: z.array(NotificationSchema) }), 'Notifications'), ...readErrors } }),
  readNotification: createRoute({ method: 'post', path: '/api/classes/notifications/{id}/read', tags, summary: 'Mark a notification read', request: { params: uuidParams('id'), body: jsonBody(EmptySchema) }, responses: { 200: jsonContent(NotificationSchema, 'Read'), ...writeErrors } }),

  listClasses: createRoute({ method: 'get', path: '/api/classes', tags, summary: 'Classes of parent schools', request: { query: ClassQuerySchema }, responses: { 200: jsonContent(ClassListSchema, 'Classes'), ...readErrors } }),
  createClass: createRoute({ method: 'post', path: '/api/classes', tags, summary: 'Create a fixed or flexible class at a parent school (its staff)', request: { body: jsonBody(CreateClassSchema) }, responses: { 201: jsonContent(ClassSchema, 'Created'), ...writeErrors } }),
  getClass: createRoute({ method: 'get', path: '/api/classes/{id}', tags, summary: 'One class', request: { params: uuidParams('id') }, responses: { 200: jsonContent(ClassSchema, 'Class'), ...readErrors } }),
  updateClass: createRoute({ method: 'patch', path: '/api/classes/{id}', tags, summary: 'Change a class, its staff, or archive it', request: { params: uuidParams('id'), body: jsonBody(UpdateClassSchema) }, responses: { 200: jsonContent(ClassSchema, 'Updated'), ...writeErrors } }),
  enrolments: createRoute({ method: 'get', path: '/api/classes/{id}/enrolments', tags, summary: 'The enrolled roster of a fixed class with seats and its change history (staff)', request: { params: uuidParams('id') }, responses: { 200: jsonContent(EnrolmentsSchema, 'Roster'), ...readErrors } }),
  enrolCandidates: createRoute({ method: 'get', path: '/api/classes/{id}/family-candidates', tags, summary: "Families with a child at the class's school, to enrol (staff; names only)", request: { params: uuidParams('id') }, responses: { 200: jsonContent(FamilyPickSchema, 'Families'), ...readErrors } }),
  enrol: createRoute({ method: 'post', path: '/api/classes/{id}/enrolments', tags, summary: 'Enrol a family in a fixed class, with a seat (staff; audited)', request: { params: uuidParams('id'), body: jsonBody(EnrolSchema) }, responses: { 201: jsonContent(EnrolmentSchema, 'Enrolled'), ...writeErrors } }),
  moveSeat: createRoute({ method: 'patch', path: '/api/classes/{id}/enrolments/{enrolmentId}', tags, summary: "Move a family's seat (staff; audited)", request: { params: uuidParams('id', 'enrolmentId'), body: jsonBody(MoveSeatSchema) }, responses: { 200: jsonContent(EnrolmentSchema, 'Moved'), ...writeErrors } }),
  withdraw: createRoute({ method: 'post', path: '/api/classes/{id}/enrolments/{enrolmentId}/withdraw', tags, summary: 'Withdraw a family from a fixed class (staff; audited)', request: { params: uuidParams('id', 'enrolmentId'), body: jsonBody(EmptySchema) }, responses: { 200: jsonContent(EnrolmentSchema, 'Withdrawn'), ...writeErrors } }),
  createSessions: createRoute({ method: 'post', path: '/api/classes/{id}/sessions', tags, summary: 'Add a session, or recurring sessions, to a class', request: { params: uuidParams('id'), body: jsonBody(CreateSessionsSchema) }, responses: { 201: jsonContent(SessionListSchema, 'Created'), ...writeErrors } }),
};

function file(body: string | Buffer, contentType: string, fileName: string) {
  return new Response(body as BodyInit, { status: 200, headers: { 'content-type': contentType, 'content-disposition': `attachment; filename="${fileName}"`, 'cache-control': 'no-store' } });
}

function requireKey(c: Context<AppEnv>, header: { 'idempotency-key'?: string }) {
  const key = header['idempotency-key'];
  if (!key) throw new AppError('idempotency_key_required');
  return key;
}

function answer<T>(c: Context<AppEnv>, result: Answer<T>) {
  if (result.replayed) c.header('idempotent-replayed', 'true');
  return result.body;
}

/** Registered before any other /api/classes/{id} route, so that fixed paths win. */
export function registerClassesRoutes(app: AppOpenAPI) {
  app.openapi(routes.listCourses, async (c) => c.json(await c.var.services.classes.listCourses(c.var.ctx, c.req.valid('query')), 200));
  app.openapi(routes.getCourse, async (c) => c.json(await c.var.services.classes.getCourse(c.var.ctx, c.req.valid('param').id), 200));
  app.openapi(routes.createCourse, async (c) => c.json(await c.var.services.classes.createCourse(c.var.ctx, c.req.valid('json')), 201));
  app.openapi(routes.updateCourse, async (c) => c.json(await c.var.services.classes.updateCourse(c.var.ctx, c.req.valid('param').id, c.req.valid('json')), 200));

  app.openapi(routes.listSessions, async (c) => c.json({ items: await c.var.services.classes.listSessions(c.var.ctx, c.req.valid('query')) }, 200));
  app.openapi(routes.getSession, async (c) => c.json(await c.var.services.classes.getSession(c.var.ctx, c.req.valid('param').id), 200));
  app.openapi(routes.updateSession, async (c) => c.json(await c.var.services.classes.updateSession(c.var.ctx, c.req.valid('param').id, c.req.valid('json')), 200));
  app.openapi(routes.cancelSession, async (c) => c.json(await c.var.services.classes.cancelSession(c.var.ctx, c.req.valid('param').id), 200));
  app.openapi(routes.book, async (c) => {
    const key = requireKey(c, c.req.valid('header'));
    const result = await c.var.services.classes.book(c.var.ctx, c.req.valid('param').id, key, c.req.valid('json'));
    return c.json(answer(c, result), 201);
  });

  app.openapi(routes.roster, async (c) => c.json(await c.var.services.classes.roster(c.var.ctx, c.req.valid('param').id), 200));
  app.openapi(routes.checkinCode, async (c) => {
    c.header('cache-control', 'no-store');
    return c.json(await c.var.services.classes.checkIn.sessionCode(c.var.ctx, c.req.valid('param').id), 200);
  });
  app.openapi(routes.pass, async (c) => {
    c.header('cache-control', 'no-store');
    return c.json(await c.var.services.classes.checkIn.pass(c.var.ctx, c.req.valid('param').id), 200);
  });
  app.openapi(routes.checkIn, async (c) => {
    const key = requireKey(c, c.req.valid('header'));
    const body = c.req.valid('json');
    const input = body.token !== undefined ? { token: body.token } : { sessionId: body.sessionId!, digits: body.digits! };
    return c.json(answer(c, await c.var.services.classes.checkIn.selfCheckIn(c.var.ctx, key, input)), 201);
  });
  app.openapi(routes.scanPass, async (c) => {
    const key = requireKey(c, c.req.valid('header'));
    return c.json(answer(c, await c.var.services.classes.checkIn.staffScan(c.var.ctx, c.req.valid('param').id, key, c.req.valid('json'))), 201);
  });
  app.openapi(routes.marks, async (c) => {
    const key = requireKey(c, c.req.valid('header'));
    return c.json(answer(c, await c.var.services.classes.checkIn.manualMarks(c.var.ctx, c.req.valid('param').id, key, c.req.valid('json'))), 200);
  });

  app.openapi(routes.familyCalendar, async (c) => file(await c.var.services.classes.familyCalendar(c.var.ctx, c.req.valid('param').id), 'text/calendar; charset=utf-8', 'family-classes.ics') as never);
  app.openapi(routes.calendarFeed, async (c) => c.json(await c.var.services.classes.calendarFeed(c.var.ctx, c.req.valid('param').id), 200));
  app.openapi(routes.createCalendarFeed, async (c) => c.json(await c.var.services.classes.createCalendarFeed(c.var.ctx, c.req.valid('param').id), 201));
  app.openapi(routes.revokeCalendarFeed, async (c) => c.json(await c.var.services.classes.revokeCalendarFeed(c.var.ctx, c.req.valid('param').id), 200));
  app.openapi(routes.feedCalendar, async (c) => {
    const response = file(await c.var.services.classes.calendarByFeedToken(c.req.valid('param').token), 'text/calendar; charset=utf-8', 'family-classes.ics');
    // Calendar apps subscribe to this URL: shown inline, and never cached by shared caches (it is a secret URL).
    response.headers.set('content-disposition', 'inline; filename="family-classes.ics"');
    response.headers.set('cache-control', 'private, no-store');
    response.headers.set('referrer-policy', 'no-referrer');
    return response as never;
  });
  app.openapi(routes.rosterXlsx, async (c) => {
    const { body, fileName } = await c.var.services.classes.rosterSpreadsheet(c.var.ctx, c.req.valid('param').id);
    return file(body, XLSX_TYPE, fileName) as never;
  });
  app.openapi(routes.myBookings, async (c) => c.json({ items: await c.var.services.classes.myBookings(c.var.ctx, c.req.valid('query')) }, 200));
  app.openapi(routes.getBooking, async (c) => c.json(await c.var.services.classes.getBooking(c.var.ctx, c.req.valid('param').id), 200));
  app.openapi(routes.cancelBooking, async (c) => {
    const key = requireKey(c, c.req.valid('header'));
    return c.json(answer(c, await c.var.services.classes.cancelBooking(c.var.ctx, c.req.valid('param').id, key)), 200);
  });

  app.openapi(routes.notifications, async (c) => c.json({ items: await c.var.services.classes.notifications(c.var.ctx, c.req.valid('query').limit) }, 200));
  app.openapi(routes.readNotification, async (c) => c.json(await c.var.services.classes.markNotificationRead(c.var.ctx, c.req.valid('param').id), 200));

  app.openapi(routes.listClasses, async (c) => c.json({ items: await c.var.services.classes.listClasses(c.var.ctx, c.req.valid('query')) }, 200));
  app.openapi(routes.createClass, async (c) => c.json(await c.var.services.classes.createClass(c.var.ctx, c.req.valid('json')), 201));
  app.openapi(routes.classCalendar, async (c) => file(await c.var.services.classes.classCalendar(c.var.ctx, c.req.valid('param').id), 'text/calendar; charset=utf-8', 'class.ics') as never);
  app.openapi(routes.getClass, async (c) => c.json(await c.var.services.classes.getClass(c.var.ctx, c.req.valid('param').id), 200));
  app.openapi(routes.updateClass, async (c) => c.json(await c.var.services.classes.updateClass(c.var.ctx, c.req.valid('param').id, c.req.valid('json')), 200));
  app.openapi(routes.enrolments, async (c) => c.json(await c.var.services.classes.enrolments(c.var.ctx, c.req.valid('param').id), 200));
  app.openapi(routes.enrolCandidates, async (c) => c.json({ items: await c.var.services.classes.familyCandidates(c.var.ctx, c.req.valid('param').id) }, 200));
  app.openapi(routes.enrol, async (c) => c.json(await c.var.services.classes.enrol(c.var.ctx, c.req.valid('param').id, c.req.valid('json')), 201));
  app.openapi(routes.moveSeat, async (c) => c.json(await c.var.services.classes.moveSeat(c.var.ctx, c.req.valid('param').id, c.req.valid('param').enrolmentId, c.req.valid('json').seatLabel), 200));
  app.openapi(routes.withdraw, async (c) => c.json(await c.var.services.classes.withdraw(c.var.ctx, c.req.valid('param').id, c.req.valid('param').enrolmentId), 200));
  app.openapi(routes.createSessions, async (c) => c.json({ items: await c.var.services.classes.createSessions(c.var.ctx, c.req.valid('param').id, c.req.valid('json')) }, 201));
}
