import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { describeEachDatabase } from '../../../../test/support/databases.ts';
import { buildTestApp, TestClient, type TestApp } from '../../../../test/support/http.ts';
import { buildWorld, type World } from '../../../../test/support/world.ts';
import { ClassesService } from './classes.service.ts';
import { familyWith, moveSession, sessionState, withOwnPool } from './classes.testkit.ts';

const inHours = (h: number) => new Date(Date.now() + h * 3_600_000).toISOString();

describeEachDatabase('parent-school classes: catalogue, sessions, booking, waitlist', (fixture) => {
  let app: TestApp;
  let world: World;
  let service: ClassesService;
  let admin: TestClient;
  let centre: TestClient;
  let schoolAdmin: TestClient;
  let parent: TestClient;
  let classId: string;

  before(async () => {
    const { db, database, config } = fixture();
    world = await buildWorld(db);
    app = buildTestApp(database, config);
    service = new ClassesService(db, config);
    admin = await TestClient.signedIn(app, world.users.districtAdmin.login, world.users.districtAdmin.password);
    centre = await TestClient.signedIn(app, world.users.centreStaff.login, world.users.centreStaff.password);
    schoolAdmin = await TestClient.signedIn(app, world.users.schoolAdminA.login, world.users.schoolAdminA.password);
    parent = await TestClient.signedIn(app, world.users.parentA.login, world.users.parentA.password);
  });

  it('the catalogue: centre staff curate courses of three tiers; everyone reads the published ones', async () => {
    const created = await centre.post('/api/classes/courses', {
      tier: 'required',
      topic: 'family_education',
      title: '读懂孩子的情绪',
      summary: '养育必修课：情绪识别与回应',
      ageMin: 6,
      ageMax: 12,
      guardianRole: 'any',
      format: 'in_person',
      durationMinutes: 90,
      providerOrgId: world.orgs.centre.id,
      materials: [{ title: '讲义', url: 'https://example.org/handout.pdf', kind: 'handout' }],
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.provider.name, '指导中心');
    const draft = await admin.post('/api/classes/courses', { tier: 'custom', topic: 'mental_health', title: '草稿课程', format: 'online', durationMinutes: 30, status: 'draft' });
    assert.equal(draft.status, 201);
    assert.equal((await schoolAdmin.post('/api/classes/courses', { tier: 'general', topic: 'family_education', title: 'x', format: 'online', durationMinutes: 30 })).status, 403);
    const upside = await centre.post('/api/classes/courses', { tier: 'general', topic: 'family_education', title: 'x', format: 'online', durationMinutes: 30, ageMin: 12, ageMax: 6 });
    assert.equal(upside.body.issues[0].path, 'ageMax');

    const publicList = await new TestClient(app).get('/api/classes/courses?tier=required&age=8');
    assert.equal(publicList.status, 200);
    assert.deepEqual(publicList.body.items.map((c: { id: string }) => c.id), [created.body.id]);
    assert.equal((await new TestClient(app).get('/api/classes/courses?q=草稿')).body.total, 0, 'drafts are not public');
    assert.equal((await centre.get('/api/classes/courses?status=draft')).body.total, 1);
    assert.equal((await parent.get('/api/classes/courses?status=draft')).status, 403);
    assert.equal((await new TestClient(app).get(`/api/classes/courses/${draft.body.id}`)).status, 404);
    const archived = await centre.patch(`/api/classes/courses/${created.body.id}`, { status: 'archived' });
    assert.equal(archived.body.version, 2);
    await centre.patch(`/api/classes/courses/${created.body.id}`, { status: 'published' });
  });

  it('a parent school creates classes and recurring sessions; others cannot', async () => {
    const created = await schoolAdmin.post('/api/classes', { organisationId: world.orgs.schoolA.id, mode: 'flexible', title: '周三家长课堂', cancelHours: 2, reminderMinutes: 60 });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.canManage, true);
    classId = created.body.id;
    assert.equal((await schoolAdmin.post('/api/classes', { organisationId: world.orgs.schoolB.id, mode: 'flexible', title: 'x' })).body.error, 'out_of_scope');
    const venue = await admin.post('/api/classes', { organisationId: world.orgs.venueA.id, mode: 'flexible', title: 'x' });
    assert.equal(venue.status, 400);
    assert.equal(venue.body.issues[0].path, 'organisationId');
    const community = await TestClient.signedIn(app, world.users.communityAdmin1.login, world.users.communityAdmin1.password);
    const care = await community.post('/api/classes', { organisationId: world.orgs.parentSchoolA.id, mode: 'flexible', kind: 'flexible_care', title: '四点半弹性托管' });
    assert.equal(care.status, 201);
    assert.equal((await parent.post('/api/classes', { organisationId: world.orgs.schoolA.id, mode: 'flexible', title: 'x' })).status, 403);

    const weekly = await schoolAdmin.post(`/api/classes/${classId}/sessions`, { startsAt: inHours(48), durationMinutes: 90, capacity: 30, location: '报告厅', repeat: { frequency: 'weekly', count: 3 } });
    assert.equal(weekly.status, 201, JSON.stringify(weekly.body));
    assert.equal(weekly.body.items.length, 3);
    assert.ok(weekly.body.items.every((s: { seriesId: string }) => s.seriesId && s.seriesId === weekly.body.items[0].seriesId));
    assert.equal(new Date(weekly.body.items[1].startsAt).getTime() - new Date(weekly.body.items[0].startsAt).getTime(), 7 * 86_400_000);
    const daily = await community.post(`/api/classes/${care.body.id}/sessions`, { startsAt: inHours(24), durationMinutes: 120, capacity: 10, repeat: { frequency: 'daily', count: 10, skipWeekends: true } });
    assert.equal(daily.body.items.length, 10);
    assert.ok(daily.body.items.every((s: { startsAt: string }) => ![0, 6].includes(new Date(new Date(s.startsAt).getTime() + 8 * 3600_000).getUTCDay())), 'weekdays only');
    const past = await schoolAdmin.post(`/api/classes/${classId}/sessions`, { startsAt: inHours(-1), durationMinutes: 90, capacity: 30 });
    assert.equal(past.body.issues[0].path, 'startsAt');
    assert.equal((await TestClient.signedIn(app, world.users.schoolAdminB.login, world.users.schoolAdminB.password).then((c) => c.post(`/api/classes/${classId}/sessions`, { startsAt: inHours(5), durationMinutes: 60, capacity: 3 }))).body.error, 'out_of_scope');
    const listed = await parent.get(`/api/classes/sessions?classId=${classId}`);
    assert.equal(listed.body.items.length, 3);
    assert.equal(listed.body.items[0].seatsLeft, 30);
  });

  it('booking: seats per guardian, idempotent retries, strict first-come waitlist, promotion on cancel', async () => {
    const { db } = fixture();
    const s = (await schoolAdmin.post(`/api/classes/${classId}/sessions`, { startsAt: inHours(30), durationMinutes: 90, capacity: 2, waitlistCapacity: 2, childrenAllowed: true, maxChildren: 1 })).body.items[0];
    const book = (client: TestClient, key: string, body: unknown) => client.request('POST', `/api/classes/sessions/${s.id}/bookings`, body, { headers: { 'idempotency-key': key } });
    const mine = { familyId: world.familyA.family.id, guardianUserIds: [world.users.parentA.id], childIds: [world.familyA.children[0]!.id] };

    const first = await book(parent, 'book-key-0001', mine);
    assert.equal(first.status, 201, JSON.stringify(first.body));
    assert.equal(first.body.status, 'confirmed');
    assert.equal(first.body.seats, 1);
    const retry = await book(parent, 'book-key-0001', mine);
    assert.equal(retry.status, 201);
    assert.deepEqual(retry.body, first.body, 'a retry gets the same answer');
    assert.equal(retry.headers.get('idempotent-replayed'), 'true');
    const misuse = await book(parent, 'book-key-0001', { ...mine, childIds: [] });
    assert.equal(misuse.body.error, 'idempotency_key_reused');
    const noKey = await parent.post(`/api/classes/sessions/${s.id}/bookings`, mine);
    assert.equal(noKey.body.error, 'idempotency_key_required');
    const twice = await book(parent, 'book-key-0002', mine);
    assert.equal(twice.status, 409);
    assert.equal(twice.body.error, 'class_already_booked');
    assert.equal((await book(parent, 'book-key-0002', mine)).body.error, 'class_already_booked', 'a refusal is replayed too');

    const couple = await familyWith(db, 2);
    const single = await familyWith(db, 1);
    const late = await familyWith(db, 1);
    const b = await service.book(couple.ctx, s.id, 'couple-key-1', { familyId: couple.family.id, guardianUserIds: couple.users.map((u) => u.id) });
    assert.equal(b.body.status, 'waitlisted', 'two seats asked, one left: queued');
    assert.equal(b.body.waitlistPosition, 1);
    const c = await service.book(single.ctx, s.id, 'single-key-1', { familyId: single.family.id, guardianUserIds: [single.users[0]!.id] });
    assert.equal(c.body.status, 'waitlisted', 'one seat is free but a family is waiting: nobody jumps the queue');
    assert.equal(c.body.waitlistPosition, 2);
    const before = await sessionState(db, s.id);
    await assert.rejects(service.book(late.ctx, s.id, 'late-key-1', { familyId: late.family.id, guardianUserIds: [late.users[0]!.id] }), { id: 'class_session_full' });
    assert.deepEqual(await sessionState(db, s.id), before, 'a refusal changes nothing');

    const cancel = await parent.request('POST', `/api/classes/bookings/${first.body.id}/cancel`, {}, { headers: { 'idempotency-key': 'cancel-key-001' } });
    assert.equal(cancel.status, 200, JSON.stringify(cancel.body));
    assert.equal(cancel.body.status, 'cancelled');
    const after = await sessionState(db, s.id);
    assert.deepEqual(after.bookings.map((x) => x.status), ['cancelled', 'confirmed', 'waitlisted'], 'the head of the queue (two seats) got both freed seats');
    assert.equal(after.seats_taken, 2);
    assert.equal(after.waitlist_count, 1);
    const note = await db.selectFrom('class_notifications').select(['kind', 'user_id']).where('booking_id', '=', b.body.id).execute();
    assert.deepEqual(note.map((n) => n.kind), ['promoted', 'promoted'], 'both guardians are told');
    assert.equal((await parent.request('POST', `/api/classes/bookings/${first.body.id}/cancel`, {}, { headers: { 'idempotency-key': 'cancel-key-001' } })).body.status, 'cancelled', 'retry');
    assert.equal((await parent.request('POST', `/api/classes/bookings/${first.body.id}/cancel`, {}, { headers: { 'idempotency-key': 'cancel-key-002' } })).body.error, 'invalid_transition');

    // Cancelling past the deadline is refused; a waitlisted booking can still leave the queue.
    await moveSession(db, s.id, 1, -1);
    await assert.rejects(service.cancelBooking(couple.ctx, b.body.id, 'couple-cancel-1'), { id: 'class_cancellation_closed' });
    const leave = await service.cancelBooking(single.ctx, c.body.id, 'single-cancel-1');
    assert.equal(leave.body.status, 'cancelled');
    const mineNow = await parent.get('/api/classes/bookings/mine?all=true');
    assert.ok(mineNow.body.items.some((x: { id: string; status: string }) => x.id === first.body.id && x.status === 'cancelled'));
  });

  it('bad bookings are refused with precise errors and change nothing', async () => {
    const { db } = fixture();
    const sessions = (await schoolAdmin.post(`/api/classes/${classId}/sessions`, { startsAt: inHours(50), durationMinutes: 60, capacity: 5, repeat: { frequency: 'daily', count: 3 } })).body.items;
    const [open, past, cancelled] = sessions as { id: string }[];
    await moveSession(db, past!.id, -0.5);
    assert.equal((await schoolAdmin.post(`/api/classes/sessions/${cancelled!.id}/cancel`, {})).status, 200);
    const fam = await familyWith(db, 1, world.orgs.schoolB.id);
    const g = fam.users[0]!.id;
    const counts = async () => Number((await db.selectFrom('class_bookings').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
    const before = await counts();
    const attempt = (sessionId: string, input: { familyId?: string; guardianUserIds?: string[]; childIds?: string[] }, key: string) =>
      service.book(fam.ctx, sessionId, key, { familyId: fam.family.id, guardianUserIds: [g], ...input });
    await assert.rejects(attempt(past!.id, {}, 'bad-past-01'), { id: 'class_session_started' });
    await assert.rejects(attempt(cancelled!.id, {}, 'bad-cancelled-01'), { id: 'class_session_cancelled' });
    await assert.rejects(attempt(open!.id, { guardianUserIds: [], childIds: [fam.children[0]!.id] }, 'bad-child-01'), { id: 'class_child_without_guardian' });
    await assert.rejects(attempt(open!.id, { childIds: [fam.children[0]!.id] }, 'bad-children-01'), { id: 'class_children_not_allowed' });
    await assert.rejects(attempt(open!.id, { childIds: [world.familyA.children[0]!.id] }, 'bad-other-child'), (e: { id: string; issues: { path: string }[] }) => e.id === 'validation_failed' && e.issues[0]!.path === 'childIds.0');
    await assert.rejects(attempt(open!.id, { guardianUserIds: [world.users.parentA.id] }, 'bad-guardian-01'), (e: { id: string; issues: { path: string }[] }) => e.id === 'validation_failed' && e.issues[0]!.path === 'guardianUserIds.0');
    await assert.rejects(attempt(open!.id, { familyId: world.familyA.family.id }, 'bad-family-01'), { id: 'out_of_scope' });
    await assert.rejects(service.book(fam.ctx, '6f1d2c4e-8a9b-4c3d-9e8f-1a2b3c4d5e6f', 'bad-unknown-01', { familyId: fam.family.id, guardianUserIds: [g] }), { id: 'not_found' });
    // A school-only class is out of scope for a family without a child there.
    await schoolAdmin.patch(`/api/classes/${classId}`, { audience: 'school_families' });
    await assert.rejects(attempt(open!.id, {}, 'bad-scope-01'), { id: 'out_of_scope' });
    await schoolAdmin.patch(`/api/classes/${classId}`, { audience: 'public' });
    assert.equal(await counts(), before);

    // A fixed class is not booked online.
    const fixed = await schoolAdmin.post('/api/classes', { organisationId: world.orgs.schoolA.id, mode: 'fixed', title: '一年级家长学校', seatRows: 3, seatCols: 4 });
    const fixedSession = (await schoolAdmin.post(`/api/classes/${fixed.body.id}/sessions`, { startsAt: inHours(20), durationMinutes: 60, capacity: 12 })).body.items[0];
    await assert.rejects(attempt(fixedSession.id, {}, 'bad-fixed-01'), { id: 'class_not_bookable' });
  });

  it('fixed classes: families are enrolled with a seat on the map; roster changes are kept and audited', async () => {
    const { db } = fixture();
    const k = await schoolAdmin.post('/api/classes', { organisationId: world.orgs.schoolA.id, mode: 'fixed', title: '二年级家长学校（固定）', seatRows: 2, seatCols: 3, termStartsOn: '2026-09-01', termEndsOn: '2027-01-20' });
    assert.equal(k.status, 201, JSON.stringify(k.body));
    assert.deepEqual(k.body.seatMap, { rows: 2, cols: 3 });
    const other = await familyWith(db, 1, world.orgs.schoolA.id);
    const candidates = await schoolAdmin.get(`/api/classes/${k.body.id}/family-candidates`);
    assert.ok(candidates.body.items.some((f: { id: string }) => f.id === world.familyA.family.id));
    const enrol = (familyId: string, seatLabel?: string | null) => schoolAdmin.post(`/api/classes/${k.body.id}/enrolments`, { familyId, seatLabel });
    const a = await enrol(world.familyA.family.id, 'A1');
    assert.equal(a.status, 201, JSON.stringify(a.body));
    assert.equal(a.body.seatLabel, 'A1');
    assert.equal((await enrol(world.familyA.family.id, 'A2')).body.error, 'already_exists');
    assert.equal((await enrol(other.family.id, 'A1')).body.error, 'class_seat_taken');
    assert.equal((await enrol(other.family.id, 'C1')).body.issues[0].path, 'seatLabel');
    assert.equal((await enrol(world.familyB.family.id, 'B1')).status, 201, 'a public fixed class takes any family');
    const b = await enrol(other.family.id, 'B2');
    const moved = await schoolAdmin.patch(`/api/classes/${k.body.id}/enrolments/${b.body.id}`, { seatLabel: 'A3' });
    assert.equal(moved.body.seatLabel, 'A3');
    assert.equal((await schoolAdmin.patch(`/api/classes/${k.body.id}/enrolments/${b.body.id}`, { seatLabel: 'A1' })).body.error, 'class_seat_taken');
    const gone = await schoolAdmin.post(`/api/classes/${k.body.id}/enrolments/${b.body.id}/withdraw`, {});
    assert.equal(gone.body.status, 'withdrawn');
    assert.equal((await parent.post(`/api/classes/${k.body.id}/enrolments`, { familyId: world.familyA.family.id })).body.error, 'out_of_scope');
    const roster = await schoolAdmin.get(`/api/classes/${k.body.id}/enrolments`);
    assert.deepEqual(roster.body.enrolments.map((e: { seatLabel: string }) => e.seatLabel), ['A1', 'B1']);
    assert.deepEqual(roster.body.changes.map((c: { action: string }) => c.action), ['withdraw', 'seat', 'enrol', 'enrol', 'enrol']);
    const audited = await db.selectFrom('audit_events').select('action').where('resource_id', '=', k.body.id).where('action', 'like', 'classes.roster_%').execute();
    assert.equal(audited.length, 5);
    const note = await parent.get('/api/classes/notifications');
    assert.ok(note.body.items.some((n: { kind: string }) => n.kind === 'enrolled'), 'the family is told');
    // A session of the fixed class: its roster is the enrolled families, with seats.
    const session = (await schoolAdmin.post(`/api/classes/${k.body.id}/sessions`, { startsAt: inHours(0.5), durationMinutes: 60, capacity: 6 })).body.items[0];
    const list = await schoolAdmin.get(`/api/classes/sessions/${session.id}/roster`);
    assert.deepEqual(list.body.entries.map((e: { seatLabel: string; status: string }) => [e.seatLabel, e.status]), [['A1', 'enrolled'], ['B1', 'enrolled']]);
    const marked = await schoolAdmin.request('POST', `/api/classes/sessions/${session.id}/check-ins`, { marks: [{ guardianUserId: world.users.parentA.id }, { guardianUserId: other.users[0]!.id }] }, { headers: { 'idempotency-key': 'fixed-marks-01' } });
    assert.deepEqual(marked.body.results.map((r: { status: string }) => r.status), ['checked_in', 'not_on_roster'], 'a withdrawn family is off the roster');
  });

  it('a per-family limit spans the sessions of a class', async () => {
    const { db } = fixture();
    const k = await schoolAdmin.post('/api/classes', { organisationId: world.orgs.schoolA.id, mode: 'flexible', kind: 'weekend_class', title: '周末课堂', perFamilyLimit: 1 });
    const [one, two] = (await schoolAdmin.post(`/api/classes/${k.body.id}/sessions`, { startsAt: inHours(72), durationMinutes: 60, capacity: 5, repeat: { frequency: 'weekly', count: 2 } })).body.items as { id: string }[];
    const fam = await familyWith(db);
    const input = { familyId: fam.family.id, guardianUserIds: [fam.users[0]!.id] };
    const booked = await service.book(fam.ctx, one!.id, 'limit-key-01', input);
    await assert.rejects(service.book(fam.ctx, two!.id, 'limit-key-02', input), { id: 'class_family_limit' });
    await service.cancelBooking(fam.ctx, booked.body.id, 'limit-key-03');
    assert.equal((await service.book(fam.ctx, two!.id, 'limit-key-04', input)).body.status, 'confirmed', 'a cancelled booking frees the allowance');
  });

  it('concurrent bookings never overfill a session or book a family twice; concurrent cancels promote in queue order', () =>
    withOwnPool(fixture(), async (db) => {
      const service = new ClassesService(db, fixture().config);
      const s = (await schoolAdmin.post(`/api/classes/${classId}/sessions`, { startsAt: inHours(40), durationMinutes: 60, capacity: 5, waitlistCapacity: 5 })).body.items[0];
      const families = await Promise.all(Array.from({ length: 24 }, () => familyWith(db)));
      const results = await Promise.allSettled(
        families.flatMap((f, i) => [
          service.book(f.ctx, s.id, `race-${i}-a`, { familyId: f.family.id, guardianUserIds: [f.users[0]!.id] }),
          service.book(f.ctx, s.id, `race-${i}-b`, { familyId: f.family.id, guardianUserIds: [f.users[0]!.id] }),
          service.book(f.ctx, s.id, `race-${i}-a`, { familyId: f.family.id, guardianUserIds: [f.users[0]!.id] }),
        ]),
      );
      const refused = results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason.id);
      assert.ok(refused.every((id) => id === 'class_session_full' || id === 'class_already_booked'), refused.join(','));
      const state = await sessionState(db, s.id);
      assert.equal(state.seats_taken, 5);
      assert.equal(state.waitlist_count, 5);
      assert.equal(state.bookings.filter((b) => b.status === 'confirmed').length, 5);
      assert.equal(new Set(state.bookings.map((b) => b.family_id)).size, state.bookings.length, 'no family twice');
      // The same key answered the same both times.
      for (let i = 0; i < families.length; i++) {
        const [a, , again] = results.slice(i * 3, i * 3 + 3);
        assert.equal(a!.status, again!.status);
        if (a!.status === 'fulfilled') assert.equal((a as PromiseFulfilledResult<{ body: { id: string } }>).value.body.id, (again as PromiseFulfilledResult<{ body: { id: string } }>).value.body.id);
      }
      const confirmed = state.bookings.filter((b) => b.status === 'confirmed');
      const waiting = state.bookings.filter((b) => b.status === 'waitlisted');
      const byFamily = new Map(families.map((f) => [f.family.id, f]));
      await Promise.all(confirmed.slice(0, 3).map((b, i) => service.cancelBooking(byFamily.get(b.family_id)!.ctx, b.id, `race-cancel-${i}`)));
      const end = await sessionState(db, s.id);
      assert.equal(end.seats_taken, 5);
      assert.deepEqual(
        end.bookings.filter((b) => b.status === 'waitlisted').map((b) => b.id),
        waiting.slice(3).map((b) => b.id),
        'the first three in the queue got the seats',
      );
    }));

  it('reminders are sent once when due, by any number of workers', () =>
    withOwnPool(fixture(), async (db) => {
      const service = new ClassesService(db, fixture().config);
      const s = (await schoolAdmin.post(`/api/classes/${classId}/sessions`, { startsAt: inHours(0.5), durationMinutes: 60, capacity: 10 })).body.items[0];
      const fams = await Promise.all([familyWith(db), familyWith(db, 2)]);
      for (const [i, f] of fams.entries()) await service.book(f.ctx, s.id, `remind-key-${i}`, { familyId: f.family.id, guardianUserIds: f.users.map((u) => u.id) });
      const sent = await Promise.all([service.processDueReminders(), service.processDueReminders(), service.processDueReminders()]);
      assert.equal(sent.reduce((a, b) => a + b, 0), 2, 'two bookings, two reminders, whoever sent them');
      assert.equal(await service.processDueReminders(), 0);
      const notes = await db.selectFrom('class_notifications').select(['user_id']).where('session_id', '=', s.id).where('kind', '=', 'reminder').execute();
      assert.equal(notes.length, 3, 'one per guardian');
      const guardian = await TestClient.signedIn(app, fams[1]!.users[1]!.login, fams[1]!.users[1]!.password);
      const inbox = await guardian.get('/api/classes/notifications');
      assert.equal(inbox.body.items[0].kind, 'reminder');
      const read = await guardian.post(`/api/classes/notifications/${inbox.body.items[0].id}/read`, {});
      assert.ok(read.body.readAt);
      assert.equal((await parent.post(`/api/classes/notifications/${inbox.body.items[0].id}/read`, {})).status, 404, 'not somebody else’s');
    }));
});
