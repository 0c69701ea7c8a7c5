import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { describeEachDatabase } from '../../../../test/support/databases.ts';
import { buildTestApp, TestClient, type TestApp } from '../../../../test/support/http.ts';
import { buildWorld, type World } from '../../../../test/support/world.ts';
import { familyWith, moveSession } from './classes.testkit.ts';
import { ClassesService } from './classes.service.ts';
import { passToken, sessionCode, WINDOW_SECONDS } from './classes.tokens.ts';

const inHours = (h: number) => new Date(Date.now() + h * 3_600_000).toISOString();

describeEachDatabase('parent-school classes: check-in and attendance', (fixture) => {
  let app: TestApp;
  let world: World;
  let service: ClassesService;
  let schoolAdmin: TestClient;
  let teacher: TestClient;
  let parent: TestClient;

  before(async () => {
    const { db, database, config } = fixture();
    world = await buildWorld(db);
    app = buildTestApp(database, config);
    service = new ClassesService(db, config);
    schoolAdmin = await TestClient.signedIn(app, world.users.schoolAdminA.login, world.users.schoolAdminA.password);
    teacher = await TestClient.signedIn(app, world.users.teacherA.login, world.users.teacherA.password);
    parent = await TestClient.signedIn(app, world.users.parentA.login, world.users.parentA.password);
  });

  async function sessionSoon(client = schoolAdmin, organisationId = world.orgs.schoolA.id) {
    const k = await client.post('/api/classes', { organisationId, mode: 'flexible', title: `签到测试 ${Math.random().toString(36).slice(2, 6)}` });
    assert.equal(k.status, 201, JSON.stringify(k.body));
    const s = await client.post(`/api/classes/${k.body.id}/sessions`, { startsAt: inHours(0.5), durationMinutes: 90, capacity: 20 });
    return s.body.items[0] as { id: string; classId: string };
  }

  const checkIn = (client: TestClient, key: string, body: unknown) => client.request('POST', '/api/classes/check-in', body, { headers: { 'idempotency-key': key } });

  it('a guardian scans the rotating code; the attendance reaches the points bank as a parent class', async () => {
    const { db } = fixture();
    const s = await sessionSoon();
    const booking = await parent.request('POST', `/api/classes/sessions/${s.id}/bookings`, { familyId: world.familyA.family.id, guardianUserIds: [world.users.parentA.id] }, { headers: { 'idempotency-key': 'ci-book-0001' } });
    assert.equal(booking.body.status, 'confirmed');

    assert.equal((await parent.get(`/api/classes/sessions/${s.id}/checkin-code`)).body.error, 'out_of_scope', 'guardians do not get the code');
    const code = await teacher.get(`/api/classes/sessions/${s.id}/checkin-code`);
    assert.equal(code.status, 200, JSON.stringify(code.body));
    assert.equal(code.body.windowSeconds, WINDOW_SECONDS);
    assert.match(code.body.digits, /^\d{6}$/);
    assert.equal(code.headers.get('cache-control'), 'no-store');

    const done = await checkIn(parent, 'ci-scan-0001', { token: code.body.token });
    assert.equal(done.status, 201, JSON.stringify(done.body));
    assert.equal(done.body.method, 'qr_self');
    assert.equal(done.body.familyId, world.familyA.family.id);
    const retry = await checkIn(parent, 'ci-scan-0001', { token: code.body.token });
    assert.deepEqual(retry.body, done.body, 'a retried scan gets the same answer');
    const again = await checkIn(parent, 'ci-scan-0002', { token: code.body.token });
    assert.equal(again.status, 409);
    assert.equal(again.body.error, 'class_already_checked_in');

    const event = await db.selectFrom('class_attendance_events').selectAll().where('session_id', '=', s.id).executeTakeFirstOrThrow();
    assert.equal(event.status, 'delivered', JSON.stringify(event));
    const points = await db.selectFrom('points_school_events').select(['kind', 'source', 'source_ref', 'school_id']).where('source_ref', '=', `class_session:${s.id}`).executeTakeFirstOrThrow();
    assert.deepEqual(points, { kind: 'parent_class', source: 'parent_school', source_ref: `class_session:${s.id}`, school_id: world.orgs.schoolA.id });
    const attendance = await db.selectFrom('points_attendance').select(['guardian_user_id', 'family_id']).execute();
    assert.ok(attendance.some((a) => a.guardian_user_id === world.users.parentA.id && a.family_id === world.familyA.family.id));
    assert.equal(await service.checkIn.processAttendanceEvents(), 0, 'nothing left to deliver');
  });

  it('expired, forged and foreign codes are refused precisely and change nothing; so is a guardian without a booking', async () => {
    const { db } = fixture();
    const s = await sessionSoon();
    const other = await sessionSoon();
    const fam = await familyWith(db, 1, world.orgs.schoolA.id);
    await service.book(fam.ctx, s.id, 'ci-bad-book-1', { familyId: fam.family.id, guardianUserIds: [fam.users[0]!.id] });
    const key = await service.checkIn.key();
    const count = async () => Number((await db.selectFrom('class_attendance').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
    const before = await count();

    const expired = sessionCode(key, s.id, Date.now() - 3 * WINDOW_SECONDS * 1000).token;
    await assert.rejects(service.checkIn.selfCheckIn(fam.ctx, 'ci-bad-0001', { token: expired }), { id: 'class_checkin_token_expired' });
    const good = sessionCode(key, s.id, Date.now()).token;
    const forged = good.slice(0, -4) + (good.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    await assert.rejects(service.checkIn.selfCheckIn(fam.ctx, 'ci-bad-0002', { token: forged }), { id: 'class_checkin_token_invalid' });
    const otherKey = sessionCode(Buffer.from('another-server-secret-of-32-bytes!!'), s.id, Date.now()).token;
    await assert.rejects(service.checkIn.selfCheckIn(fam.ctx, 'ci-bad-0003', { token: otherKey }), { id: 'class_checkin_token_invalid' });
    const future = sessionCode(key, s.id, Date.now() + 5 * WINDOW_SECONDS * 1000).token;
    await assert.rejects(service.checkIn.selfCheckIn(fam.ctx, 'ci-bad-0004', { token: future }), { id: 'class_checkin_token_invalid' });
    await assert.rejects(service.checkIn.selfCheckIn(fam.ctx, 'ci-bad-0005', { token: 'S1.garbage' }), { id: 'class_checkin_token_invalid' });
    await assert.rejects(service.checkIn.selfCheckIn(fam.ctx, 'ci-bad-0006', { sessionId: s.id, digits: '000000' === sessionCode(key, s.id, Date.now()).digits ? '000001' : '000000' }), { id: 'class_checkin_token_invalid' });
    await assert.rejects(service.checkIn.selfCheckIn(fam.ctx, 'ci-bad-0007', { token: sessionCode(key, other.id, Date.now()).token }), { id: 'class_not_on_roster' });
    assert.equal(await count(), before, 'refusals write nothing');

    const typed = await service.checkIn.selfCheckIn(fam.ctx, 'ci-bad-0008', { sessionId: s.id, digits: sessionCode(key, s.id, Date.now()).digits });
    assert.equal(typed.body.method, 'qr_self', 'the 6 digits work as well');

    // Outside the check-in window.
    await moveSession(db, other.id, 5);
    assert.equal((await schoolAdmin.get(`/api/classes/sessions/${other.id}/checkin-code`)).body.error, 'class_checkin_closed');
  });

  it('staff scan a guardian’s pass and sync offline marks mark by mark', async () => {
    const { db } = fixture();
    const s = await sessionSoon();
    const fams = await Promise.all([familyWith(db, 2, world.orgs.schoolA.id), familyWith(db, 1, world.orgs.schoolA.id), familyWith(db, 1)]);
    for (const [i, f] of fams.entries()) await service.book(f.ctx, s.id, `ci-pass-book-${i}`, { familyId: f.family.id, guardianUserIds: f.users.map((u) => u.id) });
    const [couple, single, outsider] = fams as [(typeof fams)[0], (typeof fams)[0], (typeof fams)[0]];

    const guardian = await TestClient.signedIn(app, couple.users[0]!.login, couple.users[0]!.password);
    const pass = await guardian.get(`/api/classes/sessions/${s.id}/pass`);
    assert.equal(pass.status, 200, JSON.stringify(pass.body));
    const scan = (token: string, key: string) => teacher.request('POST', `/api/classes/sessions/${s.id}/check-ins/scan`, { token }, { headers: { 'idempotency-key': key } });
    const scanned = await scan(pass.body.token, 'ci-pass-0001');
    assert.equal(scanned.status, 201, JSON.stringify(scanned.body));
    assert.equal(scanned.body.method, 'qr_staff');
    assert.equal((await scan(pass.body.token, 'ci-pass-0002')).body.error, 'class_already_checked_in');
    const stale = passToken(await service.checkIn.key(), s.id, couple.users[1]!.id, Date.now() - 120_000).token;
    assert.equal((await scan(stale, 'ci-pass-0003')).body.error, 'class_checkin_token_expired');
    assert.equal((await parent.get(`/api/classes/sessions/${s.id}/pass`)).body.error, 'class_not_on_roster');

    const stranger = '6f1d2c4e-8a9b-4c3d-9e8f-1a2b3c4d5e6f';
    const tenMinutesAgo = new Date(Date.now() - 10 * 60_000).toISOString();
    const marks = { marks: [{ guardianUserId: couple.users[0]!.id }, { guardianUserId: couple.users[1]!.id, at: tenMinutesAgo }, { guardianUserId: single.users[0]!.id }, { guardianUserId: stranger }] };
    const synced = await schoolAdmin.request('POST', `/api/classes/sessions/${s.id}/check-ins`, marks, { headers: { 'idempotency-key': 'ci-marks-0001' } });
    assert.equal(synced.status, 200, JSON.stringify(synced.body));
    assert.deepEqual(synced.body.results.map((r: { status: string }) => r.status), ['already_checked_in', 'checked_in', 'checked_in', 'not_on_roster']);
    assert.equal(synced.body.results[1].checkedInAt, tenMinutesAgo, 'an offline mark keeps its time');
    const resent = await schoolAdmin.request('POST', `/api/classes/sessions/${s.id}/check-ins`, marks, { headers: { 'idempotency-key': 'ci-marks-0001' } });
    assert.deepEqual(resent.body, synced.body, 'a re-sent batch changes nothing and gets the same answer');
    const badTime = await schoolAdmin.request('POST', `/api/classes/sessions/${s.id}/check-ins`, { marks: [{ guardianUserId: outsider.users[0]!.id, at: '2020-01-01T00:00:00Z' }] }, { headers: { 'idempotency-key': 'ci-marks-0002' } });
    assert.equal(badTime.body.issues[0].path, 'marks.0.at');
    assert.equal((await parent.request('POST', `/api/classes/sessions/${s.id}/check-ins`, marks, { headers: { 'idempotency-key': 'ci-marks-0003' } })).body.error, 'out_of_scope');

    const roster = await teacher.get(`/api/classes/sessions/${s.id}/roster`);
    assert.equal(roster.status, 200);
    const checked = roster.body.entries.flatMap((e: { guardians: { checkedInAt: string | null }[] }) => e.guardians).filter((g: { checkedInAt: string | null }) => g.checkedInAt).length;
    assert.equal(checked, 3);
    const audit = await db.selectFrom('audit_events').select('action').where('action', '=', 'classes.roster_read').execute();
    assert.ok(audit.length >= 1, 'roster reads are audited');

    // The outsider's family has no child at the school: attendance is kept, the points bank says not eligible.
    await schoolAdmin.request('POST', `/api/classes/sessions/${s.id}/check-ins`, { marks: [{ guardianUserId: outsider.users[0]!.id }] }, { headers: { 'idempotency-key': 'ci-marks-0004' } });
    const events = await db.selectFrom('class_attendance_events').select(['guardian_user_id', 'status', 'last_error']).where('session_id', '=', s.id).execute();
    const byGuardian = new Map(events.map((e) => [e.guardian_user_id, e]));
    assert.equal(byGuardian.get(couple.users[0]!.id)!.status, 'delivered');
    assert.equal(byGuardian.get(outsider.users[0]!.id)!.status, 'not_eligible');
    assert.equal(byGuardian.get(outsider.users[0]!.id)!.last_error, 'points_not_family_guardian');
  });

  it('a secret calendar subscription link: made and rotated by guardians, read without a session, revoked', async () => {
    const { db } = fixture();
    const familyId = world.familyA.family.id;
    const s = await sessionSoon();
    await parent.request('POST', `/api/classes/sessions/${s.id}/bookings`, { familyId, guardianUserIds: [world.users.parentA.id] }, { headers: { 'idempotency-key': 'feed-book-0001' } });

    assert.deepEqual((await parent.get(`/api/classes/families/${familyId}/calendar-feed`)).body, { active: false, createdAt: null, lastUsedAt: null, path: null });
    // Only the family's guardians see or make the link; nothing is written when refused.
    const other = await TestClient.signedIn(app, world.users.parentB.login, world.users.parentB.password);
    for (const client of [teacher, other]) {
      assert.equal((await client.post(`/api/classes/families/${familyId}/calendar-feed`, {})).body.error, 'out_of_scope');
      assert.equal((await client.get(`/api/classes/families/${familyId}/calendar-feed`)).body.error, 'out_of_scope');
    }
    assert.equal((await parent.delete(`/api/classes/families/${familyId}/calendar-feed`)).body.error, 'not_found', 'nothing to revoke yet');
    const none = await db.selectFrom('class_calendar_feeds').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    assert.equal(Number(none.n), 0);

    const made = await parent.post(`/api/classes/families/${familyId}/calendar-feed`, {});
    assert.equal(made.status, 201, JSON.stringify(made.body));
    assert.equal(made.body.active, true);
    assert.match(made.body.path, /^\/api\/classes\/feeds\/[A-Za-z0-9_-]{43}\/calendar\.ics$/);
    const stored = await db.selectFrom('class_calendar_feeds').selectAll().where('family_id', '=', familyId).execute();
    assert.equal(stored.length, 1);
    assert.ok(!JSON.stringify(stored).includes(made.body.path.split('/')[4]), 'only the hash of the secret is stored');

    // A calendar app reads it without a cookie.
    const read = await app.request(made.body.path);
    assert.equal(read.status, 200);
    assert.match(read.headers.get('content-type') ?? '', /text\/calendar/);
    assert.match(read.headers.get('cache-control') ?? '', /no-store/);
    const ics = await read.text();
    assert.match(ics, new RegExp(`UID:class-session-${s.id}@coedu`));
    const status = await parent.get(`/api/classes/families/${familyId}/calendar-feed`);
    assert.equal(status.body.active, true);
    assert.equal(status.body.path, null, 'the secret is shown only once');
    assert.ok(status.body.lastUsedAt, 'the read is recorded');

    // Rotating revokes the old link at once; a forged or malformed token is refused the same way.
    const rotated = await parent.post(`/api/classes/families/${familyId}/calendar-feed`, {});
    assert.notEqual(rotated.body.path, made.body.path);
    const old = await app.request(made.body.path);
    assert.equal(old.status, 404);
    assert.equal(((await old.json()) as { error: string }).error, 'calendar_feed_not_found');
    assert.equal((await app.request(`/api/classes/feeds/${'A'.repeat(43)}/calendar.ics`)).status, 404);
    assert.equal((await app.request('/api/classes/feeds/short/calendar.ics')).status, 400);
    assert.equal((await app.request(rotated.body.path)).status, 200);

    const revoked = await parent.delete(`/api/classes/families/${familyId}/calendar-feed`);
    assert.equal(revoked.status, 200);
    assert.equal(revoked.body.active, false);
    assert.equal((await app.request(rotated.body.path)).status, 404);
    const audit = await db.selectFrom('audit_events').select('action').where('resource_id', '=', familyId).where('action', 'like', 'classes.calendar_feed_%').execute();
    assert.deepEqual(audit.map((a) => a.action).sort(), ['classes.calendar_feed_create', 'classes.calendar_feed_create', 'classes.calendar_feed_revoke']);
  });

  it('staff move a session: bookings stay, guardians are told, reminders and the deadline follow, calendars update', async () => {
    const { db } = fixture();
    const k = await schoolAdmin.post('/api/classes', { organisationId: world.orgs.schoolA.id, mode: 'flexible', title: '改期测试' });
    const created = await schoolAdmin.post(`/api/classes/${k.body.id}/sessions`, { startsAt: inHours(30), durationMinutes: 90, capacity: 1, waitlistCapacity: 2 });
    const s = created.body.items[0] as { id: string; startsAt: string; cancelUntil: string };
    const other = await TestClient.signedIn(app, world.users.parentB.login, world.users.parentB.password);
    const first = await parent.request('POST', `/api/classes/sessions/${s.id}/bookings`, { familyId: world.familyA.family.id, guardianUserIds: [world.users.parentA.id] }, { headers: { 'idempotency-key': 'move-book-0001' } });
    const second = await other.request('POST', `/api/classes/sessions/${s.id}/bookings`, { familyId: world.familyB.family.id, guardianUserIds: [world.users.parentB.id] }, { headers: { 'idempotency-key': 'move-book-0002' } });
    assert.deepEqual([first.body.status, second.body.status], ['confirmed', 'waitlisted']);
    // This session's VEVENT in the family's calendar (the family has other bookings too).
    const ics = async () => {
      const text = (await parent.request('GET', `/api/classes/families/${world.familyA.family.id}/calendar.ics`)).body as string;
      return text.split('BEGIN:VEVENT').find((event) => event.includes(`UID:class-session-${s.id}@coedu`))!;
    };
    const sequenceBefore = Number(/SEQUENCE:(\d+)/.exec(await ics())![1]);

    // Refused: a guardian; a time in the past. Nothing changes.
    const before = await db.selectFrom('class_sessions').selectAll().where('id', '=', s.id).executeTakeFirstOrThrow();
    assert.equal((await parent.patch(`/api/classes/sessions/${s.id}`, { startsAt: inHours(50) })).body.error, 'out_of_scope');
    const past = await schoolAdmin.patch(`/api/classes/sessions/${s.id}`, { startsAt: inHours(-1) });
    assert.equal(past.status, 400);
    assert.equal(past.body.issues[0].path, 'startsAt');
    assert.deepEqual(await db.selectFrom('class_sessions').selectAll().where('id', '=', s.id).executeTakeFirstOrThrow(), before);

    const to = new Date(Date.now() + 50 * 3_600_000);
    to.setUTCSeconds(0, 0);
    const moved = await schoolAdmin.patch(`/api/classes/sessions/${s.id}`, { startsAt: to.toISOString(), durationMinutes: 60 });
    assert.equal(moved.status, 200, JSON.stringify(moved.body));
    assert.equal(moved.body.startsAt, to.toISOString());
    assert.equal(moved.body.endsAt, new Date(to.getTime() + 60 * 60_000).toISOString());
    const lead = (x: { startsAt: string; cancelUntil: string }) => new Date(x.startsAt).getTime() - new Date(x.cancelUntil).getTime();
    assert.equal(lead(moved.body), lead(s), 'the cancellation deadline moved with the start');
    assert.equal(moved.body.seatsTaken, 1);
    assert.equal(moved.body.waitlistCount, 1, 'bookings stay as they were');

    const reminder = await db.selectFrom('class_reminders').select(['due_at', 'status']).where('booking_id', '=', first.body.id).executeTakeFirstOrThrow();
    assert.equal(reminder.status, 'pending');
    assert.equal(new Date(reminder.due_at).getTime(), to.getTime() - 24 * 3_600_000, 'the reminder is a day before the new start');
    for (const [client, booking] of [[parent, first], [other, second]] as const) {
      const told = (await client.get('/api/classes/notifications')).body.items.filter((n: { kind: string; sessionId: string }) => n.kind === 'session_changed' && n.sessionId === s.id);
      assert.equal(told.length, 1, 'every guardian with a booking is told once');
      assert.equal(told[0].bookingId, booking.body.id);
    }
    const after = await ics();
    assert.equal(Number(/SEQUENCE:(\d+)/.exec(after)![1]), sequenceBefore + 1, 'calendar apps see a newer version of the same event');
    assert.match(after, new RegExp(`DTSTART:${to.toISOString().replace(/[-:]/g, '').replace('.000', '')}`));
  });

  it('a session with check-ins keeps its time', async () => {
    const s = await sessionSoon();
    await parent.request('POST', `/api/classes/sessions/${s.id}/bookings`, { familyId: world.familyA.family.id, guardianUserIds: [world.users.parentA.id] }, { headers: { 'idempotency-key': 'move-ci-book-01' } });
    const code = await teacher.get(`/api/classes/sessions/${s.id}/checkin-code`);
    assert.equal((await checkIn(parent, 'move-ci-scan-01', { token: code.body.token })).status, 201);
    const refused = await schoolAdmin.patch(`/api/classes/sessions/${s.id}`, { startsAt: inHours(5) });
    assert.equal(refused.status, 409);
    assert.equal(refused.body.error, 'conflict');
    assert.equal((await schoolAdmin.patch(`/api/classes/sessions/${s.id}`, { capacity: 25 })).status, 200, 'other changes are still possible');
  });

  it('a session that has started keeps its time', async () => {
    const { db } = fixture();
    const s = await sessionSoon();
    await moveSession(db, s.id, -10);
    const refused = await schoolAdmin.patch(`/api/classes/sessions/${s.id}`, { startsAt: inHours(5) });
    assert.equal(refused.status, 409);
    assert.equal(refused.body.error, 'class_session_started');
  });

  it('calendars (.ics) for a family and a class, and the roster as XLSX', async () => {
    const s = await sessionSoon();
    await parent.request('POST', `/api/classes/sessions/${s.id}/bookings`, { familyId: world.familyA.family.id, guardianUserIds: [world.users.parentA.id] }, { headers: { 'idempotency-key': 'ics-book-0001' } });
    const family = await parent.request('GET', `/api/classes/families/${world.familyA.family.id}/calendar.ics`);
    assert.equal(family.status, 200);
    assert.match(family.headers.get('content-type') ?? '', /text\/calendar/);
    assert.match(family.body, /^BEGIN:VCALENDAR\r\n/);
    assert.match(family.body, new RegExp(`UID:class-session-${s.id}@coedu`));
    assert.ok(family.body.split('\r\n').every((line: string) => Buffer.byteLength(line) <= 75), 'lines are folded');
    assert.equal((await teacher.get(`/api/classes/families/${world.familyA.family.id}/calendar.ics`)).status, 403);
    const klass = await teacher.get(`/api/classes/${s.classId}/calendar.ics`);
    assert.equal((klass.body.match(/BEGIN:VEVENT/g) ?? []).length, 1);
    const xlsx = await app.request(`/api/classes/sessions/${s.id}/roster.xlsx`, { headers: { cookie: teacher.cookie! } });
    assert.equal(xlsx.status, 200);
    const bytes = Buffer.from(await xlsx.arrayBuffer());
    assert.equal(bytes.subarray(0, 2).toString('latin1'), 'PK', 'an XLSX (zip) file');
    const { default: ExcelJS } = await import('exceljs');
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(bytes as never);
    const rows = book.worksheets[0]!.getSheetValues().filter(Boolean) as unknown[][];
    assert.ok(rows.some((r) => r.includes('测试用户') || JSON.stringify(r).includes(world.users.parentA.display_name)), 'the guardian is listed');
    assert.equal((await parent.get(`/api/classes/sessions/${s.id}/roster.xlsx`)).status, 403);
  });

  it('attendance at a community parent school is kept as an event for the points bank to pick up later', async () => {
    const { db } = fixture();
    const community = await TestClient.signedIn(app, world.users.communityAdmin1.login, world.users.communityAdmin1.password);
    const s = await sessionSoon(community, world.orgs.parentSchoolA.id);
    const fam = await familyWith(db, 1);
    await service.book(fam.ctx, s.id, 'ci-cps-book-1', { familyId: fam.family.id, guardianUserIds: [fam.users[0]!.id] });
    const marked = await community.request('POST', `/api/classes/sessions/${s.id}/check-ins`, { marks: [{ guardianUserId: fam.users[0]!.id }] }, { headers: { 'idempotency-key': 'ci-cps-0001' } });
    assert.equal(marked.body.results[0].status, 'checked_in');
    const event = await db.selectFrom('class_attendance_events').select(['status', 'organisation_kind', 'family_id']).where('session_id', '=', s.id).executeTakeFirstOrThrow();
    assert.deepEqual(event, { status: 'held', organisation_kind: 'community_parent_school', family_id: fam.family.id });
  });
});
