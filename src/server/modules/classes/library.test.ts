import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, it } from 'node:test';
import { describeEachDatabase } from '../../../../test/support/databases.ts';
import { buildCourse, buildFamily, buildUser } from '../../../../test/support/factories.ts';
import { buildTestApp, TestClient, type TestApp } from '../../../../test/support/http.ts';
import { startS3Server } from '../../../../test/support/s3-server.ts';
import { buildWorld, type World } from '../../../../test/support/world.ts';
import { demoToneWav, demoWorksheetPdf, DEMO_ARTICLE_BEDTIME, seedLibraryDemoFiles } from '../../seed/library-demo-files.ts';
import { LocalStorage } from '../../storage/local.ts';
import { S3Storage } from '../../storage/s3.ts';
import { ageThisYear } from './library.service.ts';

const wav = demoToneWav();
const LIMIT = 200_000;

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name)).sort();
}

describeEachDatabase('course library: files in our storage, progress per guardian, recommendations', (fixture) => {
  let app: TestApp;
  let world: World;
  let dir: string;
  let centre: TestClient;
  let schoolAdmin: TestClient;
  let parent: TestClient;
  let parentB: TestClient;
  let anonymous: TestClient;
  let noFamily: TestClient;
  let audioId: string;
  let emptyId: string;
  const counts = async () => {
    const { db } = fixture();
    const files = await db.selectFrom('library_files').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const progress = await db.selectFrom('library_progress').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return { files: Number(files.n), progress: Number(progress.n), stored: (await filesUnder(dir)).length };
  };
  const upload = (client: TestClient, id: string, body: Uint8Array | string, type: string, query = '') =>
    client.request('POST', `/api/classes/library/${id}/file${query}`, undefined, { rawBody: body, headers: { 'content-type': type } });

  before(async () => {
    const { db, database, config } = fixture();
    world = await buildWorld(db);
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'coedu-library-'));
    app = buildTestApp(database, { ...config, libraryMaxBytes: LIMIT }, { storage: new LocalStorage(dir) });
    centre = await TestClient.signedIn(app, world.users.centreStaff.login, world.users.centreStaff.password);
    schoolAdmin = await TestClient.signedIn(app, world.users.schoolAdminA.login, world.users.schoolAdminA.password);
    parent = await TestClient.signedIn(app, world.users.parentA.login, world.users.parentA.password);
    parentB = await TestClient.signedIn(app, world.users.parentB.login, world.users.parentB.password);
    const loner = await buildUser(db);
    noFamily = await TestClient.signedIn(app, loner.login, loner.password);
    anonymous = new TestClient(app);
    audioId = (await buildCourse(db, { title: '音频课' })).id;
    emptyId = (await buildCourse(db, { title: '没有文件的课' })).id;
  });
  after(() => fs.rm(dir, { recursive: true, force: true }));

  it('centre staff upload a file; others are refused and nothing is written', async () => {
    const start = await counts();
    for (const [client, status, error] of [
      [schoolAdmin, 403, 'forbidden'],
      [parent, 403, 'forbidden'],
      [anonymous, 401, 'unauthenticated'],
    ] as const) {
      const denied = await upload(client, audioId, wav, 'audio/wav');
      assert.equal(denied.status, status);
      assert.equal(denied.body.error, error);
    }
    assert.deepEqual(await counts(), start, 'refused uploads write nothing, in the database or the store');

    const stored = await upload(centre, audioId, wav, 'audio/wav', '?fileName=' + encodeURIComponent('三个音.wav'));
    assert.equal(stored.status, 201, JSON.stringify(stored.body));
    assert.deepEqual(stored.body, { mediaKind: 'audio', contentType: 'audio/wav', byteSize: wav.length, fileName: '三个音.wav', demo: false, url: `/api/classes/library/${audioId}/file` });
    assert.deepEqual(await counts(), { ...start, files: start.files + 1, stored: start.stored + 1 });
    const course = await parent.get(`/api/classes/courses/${audioId}`);
    assert.equal(course.body.file.mediaKind, 'audio');
    assert.equal((await parent.get(`/api/classes/courses/${emptyId}`)).body.file, null, 'entries without a file say so');
    const withFiles = await parent.get('/api/classes/courses?hasFile=true');
    assert.deepEqual(withFiles.body.items.map((c: { id: string }) => c.id), [audioId]);
    const audit = await fixture().db.selectFrom('audit_events').select(['action', 'resource_id']).where('action', '=', 'classes.library_file_upload').execute();
    assert.deepEqual(audit, [{ action: 'classes.library_file_upload', resource_id: audioId }]);

    // The same bytes again: content-addressed, still one object.
    assert.equal((await upload(centre, audioId, wav, 'audio/x-wav')).status, 201);
    assert.equal((await counts()).stored, start.stored + 1);
  });

  it('bad uploads are clear 4xx with ids and write nothing', async () => {
    const start = await counts();
    const cases: [Uint8Array | string, string, number, string, string?][] = [
      [wav, 'image/png', 415, 'library_file_type'],
      ['<html><script>alert(1)</script></html>', 'text/html', 415, 'library_file_type'],
      [wav, 'video/mp4', 400, 'library_file_mismatch'],
      [wav, 'application/pdf', 400, 'library_file_mismatch'],
      [Buffer.from([0xff, 0xfe, 0x00, 0x41]), 'text/markdown', 400, 'library_file_mismatch'],
      ['', 'audio/wav', 400, 'library_file_empty'],
      [Buffer.alloc(LIMIT + 1, 0x41), 'text/plain', 413, 'payload_too_large'],
    ];
    for (const [body, type, status, error] of cases) {
      const answer = await upload(centre, emptyId, body, type);
      assert.equal(answer.status, status, `${type}: ${JSON.stringify(answer.body)}`);
      assert.equal(answer.body.error, error, type);
    }
    assert.equal((await upload(centre, randomUUID(), wav, 'audio/wav')).body.error, 'not_found');
    assert.equal((await upload(centre, 'nope', wav, 'audio/wav')).body.error, 'invalid_id');
    assert.equal((await upload(centre, emptyId, wav, 'audio/wav', '?colour=red')).body.error, 'validation_failed');
    assert.deepEqual(await counts(), start);
  });

  it('serves the file to guardians and staff: whole, ranges, ETag; refuses others', async () => {
    const whole = await parent.fetch(`/api/classes/library/${audioId}/file`);
    assert.equal(whole.status, 200);
    assert.equal(whole.headers.get('content-type'), 'audio/wav');
    assert.equal(whole.headers.get('content-length'), String(wav.length));
    assert.deepEqual(Buffer.from(await whole.arrayBuffer()), wav);
    const etag = whole.headers.get('etag')!;
    const part = await parent.fetch(`/api/classes/library/${audioId}/file`, { range: 'bytes=44-1043' });
    assert.equal(part.status, 206);
    assert.equal(part.headers.get('content-range'), `bytes 44-1043/${wav.length}`);
    assert.deepEqual(Buffer.from(await part.arrayBuffer()), wav.subarray(44, 1044));
    assert.equal((await parent.fetch(`/api/classes/library/${audioId}/file`, { range: `bytes=${wav.length}-` })).status, 416);
    assert.equal((await parent.fetch(`/api/classes/library/${audioId}/file`, { 'if-none-match': etag })).status, 304);
    const head = await parent.fetch(`/api/classes/library/${audioId}/file`, {}, 'HEAD');
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('content-length'), String(wav.length));
    assert.equal((await head.arrayBuffer()).byteLength, 0);
    assert.equal((await schoolAdmin.fetch(`/api/classes/library/${audioId}/file`)).status, 200, 'staff may open it');
    assert.equal((await anonymous.fetch(`/api/classes/library/${audioId}/file`)).status, 401);
    assert.equal((await noFamily.fetch(`/api/classes/library/${audioId}/file`)).status, 403);
    const none = await parent.fetch(`/api/classes/library/${emptyId}/file`);
    assert.equal(none.status, 404);
    assert.equal((await none.json()).error, 'not_found');
    const draft = await buildCourse(fixture().db, { status: 'draft' });
    assert.equal((await upload(centre, draft.id, Buffer.from(DEMO_ARTICLE_BEDTIME), 'text/markdown')).status, 201);
    assert.equal((await parent.fetch(`/api/classes/library/${draft.id}/file`)).status, 404, 'drafts are for curators');
    assert.equal((await centre.fetch(`/api/classes/library/${draft.id}/file`)).status, 200);
    const article = await parent.fetch(`/api/classes/courses/${draft.id}`);
    assert.equal(article.status, 404);
  });

  it('progress: idempotent, percent only grows, completion is monotonic; refusals write nothing', async () => {
    const url = `/api/classes/library/${audioId}/progress`;
    const start = await counts();
    for (const [client, status, error] of [
      [noFamily, 403, 'forbidden'],
      [schoolAdmin, 403, 'forbidden'],
      [anonymous, 401, 'unauthenticated'],
    ] as const) {
      const denied = await client.request('PUT', url, { positionSeconds: 1, percent: 10 });
      assert.equal(denied.status, status);
      assert.equal(denied.body.error, error);
    }
    for (const [body, field] of [
      [{ positionSeconds: 1, percent: 101 }, 'percent'],
      [{ positionSeconds: -1, percent: 1 }, 'positionSeconds'],
      [{ positionSeconds: 1.5, percent: 1 }, 'positionSeconds'],
      [{ percent: 1 }, 'positionSeconds'],
      [{ positionSeconds: 1, percent: 1, extra: true }, ''],
    ] as const) {
      const bad = await parent.request('PUT', url, body);
      assert.equal(bad.status, 400, JSON.stringify(body));
      assert.equal(bad.body.error, 'validation_failed');
      assert.equal(bad.body.issues[0].path, field);
    }
    const noFile = await parent.request('PUT', `/api/classes/library/${emptyId}/progress`, { positionSeconds: 0, percent: 10 });
    assert.equal(noFile.status, 409);
    assert.equal(noFile.body.error, 'library_no_file');
    assert.equal((await parent.request('PUT', `/api/classes/library/${randomUUID()}/progress`, { positionSeconds: 0, percent: 10 })).body.error, 'not_found');
    assert.deepEqual(await counts(), start, 'refused progress writes nothing');

    const first = await parent.request('PUT', url, { positionSeconds: 3, percent: 40 });
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.equal(first.body.percent, 40);
    assert.equal(first.body.completedAt, null);
    const again = await parent.request('PUT', url, { positionSeconds: 3, percent: 40 });
    assert.equal(again.body.percent, 40);
    assert.equal(again.body.startedAt, first.body.startedAt);
    assert.equal((await counts()).progress, start.progress + 1, 'one row per guardian and entry');
    const back = await parent.request('PUT', url, { positionSeconds: 1, percent: 20 });
    assert.deepEqual([back.body.positionSeconds, back.body.percent], [1, 40], 'resume where they are; percent never shrinks');
    const done = await parent.request('PUT', url, { positionSeconds: 6, percent: 96 });
    assert.equal(done.body.percent, 100);
    assert.ok(done.body.completedAt);
    const later = await parent.request('PUT', url, { positionSeconds: 0, percent: 5, completed: false });
    assert.equal(later.body.completedAt, done.body.completedAt, 'completion is never undone or moved');
    assert.equal(later.body.percent, 100);
  });

  it('my learning: in progress and completed; completion counted once per family', async () => {
    const { db } = fixture();
    const article = await buildCourse(db, { title: '文章课' });
    assert.equal((await upload(centre, article.id, Buffer.from(DEMO_ARTICLE_BEDTIME), 'text/markdown')).status, 201);
    assert.equal((await parent.request('PUT', `/api/classes/library/${article.id}/progress`, { positionSeconds: 0, percent: 30 })).status, 200);
    const mine = await parent.get('/api/classes/library/mine');
    assert.equal(mine.status, 200);
    assert.deepEqual(mine.body.inProgress.map((x: { course: { id: string } }) => x.course.id), [article.id]);
    assert.equal(mine.body.inProgress[0].course.file.mediaKind, 'article');
    assert.deepEqual(mine.body.completed.map((x: { course: { id: string } }) => x.course.id), [audioId]);
    assert.deepEqual(mine.body.families, [{ familyId: world.familyA.family.id, name: world.familyA.family.name, completed: 1, guardiansCompleting: 1 }]);

    // A second guardian of the same family completes the same entry: the family still counts it once.
    const partner = await buildUser(db);
    await db.insertInto('family_guardians').values({ family_id: world.familyA.family.id, user_id: partner.id, relation: null }).execute();
    const partnerClient = await TestClient.signedIn(app, partner.login, partner.password);
    assert.equal((await partnerClient.request('PUT', `/api/classes/library/${audioId}/progress`, { positionSeconds: 6, percent: 100 })).status, 200);
    const family = (await parent.get('/api/classes/library/mine')).body.families[0];
    assert.deepEqual([family.completed, family.guardiansCompleting], [1, 2]);
    assert.deepEqual((await parentB.get('/api/classes/library/mine')).body, { inProgress: [], completed: [], families: [{ familyId: world.familyB.family.id, name: world.familyB.family.name, completed: 0, guardiansCompleting: 0 }] });
    assert.equal((await noFamily.get('/api/classes/library/mine')).body.error, 'forbidden');
    assert.equal((await anonymous.get('/api/classes/library/mine')).status, 401);
  });

  it("recommendations: by the children's ages and the family's history, with reasons; deterministic", async () => {
    const { db } = fixture();
    // A family of its own: one child aged 7 this year; the guardian finished a mental-health entry.
    const guardian = await buildUser(db);
    await buildFamily(db, { guardianIds: [guardian.id], children: [{ birthYear: new Date().getUTCFullYear() - 7 }] });
    const client = await TestClient.signedIn(app, guardian.login, guardian.password);
    const finished = await buildCourse(db, { title: 'R 已学完的心理课', topic: 'mental_health', tier: 'general', ageMin: 6, ageMax: 12 });
    assert.equal((await upload(centre, finished.id, Buffer.from('# 演示'), 'text/markdown')).status, 201);
    assert.equal((await client.request('PUT', `/api/classes/library/${finished.id}/progress`, { positionSeconds: 0, percent: 100 })).status, 200);
    const mental = await buildCourse(db, { title: 'R 心理 6-9', topic: 'mental_health', tier: 'required', ageMin: 6, ageMax: 9 });
    const toddler = await buildCourse(db, { title: 'R 学龄前', topic: 'mental_health', ageMin: 0, ageMax: 5 });
    const teen = await buildCourse(db, { title: 'R 初中', topic: 'career_education', ageMin: 12, ageMax: 15 });

    const answer = await client.get('/api/classes/library/recommendations?limit=50');
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.deepEqual(answer.body.childAges, [ageThisYear(new Date().getUTCFullYear() - 7)]);
    const ids = answer.body.items.map((x: { course: { id: string } }) => x.course.id);
    assert.equal(ids[0], mental.id, 'age fit and the theme they finished rank first');
    assert.deepEqual(answer.body.items[0].reasons, [
      { kind: 'age', ageMin: 6, ageMax: 9, childAge: 7 },
      { kind: 'completed', courseId: finished.id, title: 'R 已学完的心理课' },
    ]);
    assert.equal(answer.body.items[0].reasonText, '适合 6–9 岁；因为你学完了《R 已学完的心理课》');
    assert.ok(!ids.includes(finished.id), 'completed entries are not recommended');
    assert.ok(!ids.includes(toddler.id) && !ids.includes(teen.id), 'entries for other ages are not recommended');
    assert.deepEqual((await client.get('/api/classes/library/recommendations?limit=50')).body, answer.body, 'the same inputs give the same list');

    // A class the family is enrolled in (a career-education course) brings that theme in, with its reason.
    const family = await db.selectFrom('family_guardians').select('family_id').where('user_id', '=', guardian.id).executeTakeFirstOrThrow();
    const classCourse = await buildCourse(db, { title: '职业体验课', topic: 'career_education', format: 'in_person', ageMin: 6, ageMax: 12 });
    const klass = await db.insertInto('classes').values({ organisation_id: world.orgs.schoolA.id, course_id: classCourse.id, mode: 'fixed', title: '职业体验家长课堂' }).returning('id').executeTakeFirstOrThrow();
    await db.insertInto('class_enrolments').values({ class_id: klass.id, family_id: family.family_id }).execute();
    const career = await buildCourse(db, { title: 'R 职业 6-9', topic: 'career_education', ageMin: 6, ageMax: 9 });
    const withClass = await client.get('/api/classes/library/recommendations?limit=50');
    const item = withClass.body.items.find((x: { course: { id: string } }) => x.course.id === career.id);
    assert.deepEqual(item.reasons, [{ kind: 'age', ageMin: 6, ageMax: 9, childAge: 7 }, { kind: 'booked', title: '职业体验家长课堂' }]);
    assert.ok(!withClass.body.items.some((x: { course: { id: string } }) => x.course.id === classCourse.id), 'in-person courses are not library entries');
    assert.equal((await client.get('/api/classes/library/recommendations?limit=0')).body.error, 'validation_failed');
    assert.equal((await noFamily.get('/api/classes/library/recommendations')).body.error, 'forbidden');
  });

  it('the demo files: generated, accepted by the same checks, attached once, labelled demo', async () => {
    const { db } = fixture();
    for (let n = 1; n <= 2520; n += 1) if ([321, 331, 341, 551, 1781].includes(n)) await db.insertInto('class_courses').values({ external_id: `demo:library:${String(n).padStart(4, '0')}`, tier: 'required', topic: 'family_education', title: `（演示）${n}`, format: 'online', duration_minutes: 10, materials: '[]' }).execute();
    const storage = new LocalStorage(dir);
    assert.equal(await seedLibraryDemoFiles(db, storage), true);
    assert.equal(await seedLibraryDemoFiles(db, storage), false, 'idempotent');
    const demo = await db.selectFrom('library_files').select(['media_kind', 'content_type', 'demo']).where('demo', '=', true).orderBy('media_kind').orderBy('content_type').execute();
    assert.deepEqual(demo.map((d) => `${d.media_kind}:${d.content_type}`), ['article:text/markdown', 'article:text/markdown', 'audio:audio/wav', 'document:application/pdf', 'video:video/webm']);
    const pdf = await demoWorksheetPdf();
    assert.equal(pdf.subarray(0, 5).toString('latin1'), '%PDF-');
    assert.ok(pdf.length < 200_000, `the demo PDF is small (${pdf.length} bytes)`);
  });
});

describeEachDatabase('course library on S3-compatible storage (s3rver)', (fixture) => {
  let server: Awaited<ReturnType<typeof startS3Server>>;
  let storage: S3Storage;
  before(async () => {
    server = await startS3Server();
    storage = new S3Storage(server.settings);
  });
  after(async () => {
    storage.close();
    await server.close();
  });

  it('uploads into the bucket and streams ranges back from it', async () => {
    const { db, database, config } = fixture();
    const world = await buildWorld(db);
    const app = buildTestApp(database, config, { storage });
    const centre = await TestClient.signedIn(app, world.users.centreStaff.login, world.users.centreStaff.password);
    const parent = await TestClient.signedIn(app, world.users.parentA.login, world.users.parentA.password);
    const course = await buildCourse(db);
    const stored = await centre.request('POST', `/api/classes/library/${course.id}/file`, undefined, { rawBody: wav, headers: { 'content-type': 'audio/wav' } });
    assert.equal(stored.status, 201, JSON.stringify(stored.body));
    const key = (await db.selectFrom('library_files').select('storage_key').where('course_id', '=', course.id).executeTakeFirstOrThrow()).storage_key;
    assert.equal(await storage.size(key), wav.length, 'the object is in the bucket');
    const part = await parent.fetch(`/api/classes/library/${course.id}/file`, { range: 'bytes=100-199' });
    assert.equal(part.status, 206);
    assert.deepEqual(Buffer.from(await part.arrayBuffer()), wav.subarray(100, 200));
  });
});
