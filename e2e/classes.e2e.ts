/**
 * Browser test: parent classes (家长课堂). A parent books the demo session that starts soon; the teacher opens the
 * check-in desk (rotating QR code and 6 digits); the parent checks in by typing the digits; the desk's roster shows
 * it; a guardian's own pass is shown as a QR code; the teacher marks someone by hand while offline and the mark syncs.
 *
 *   node --import tsx --test e2e/classes.e2e.ts
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { zhCN } from '../web/src/i18n/zh-CN.ts';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeQr } from '../web/src/pages/classes/qr.ts';
import { assertClean, baseUrl, launchBrowser, openPage, PASSWORD, screenshot, signIn, sleep, startEnvironment, stopEnvironment, TEST_TIMEOUT_MS } from './support.ts';

before(startEnvironment);
after(stopEnvironment);

test('a parent books, the teacher shows the rotating code, the parent checks in with it', { timeout: TEST_TIMEOUT_MS }, async () => {
  const parentTab = await openPage({ viewport: { width: 390, height: 844 }, hasTouch: true });
  const parent = parentTab.page;
  await parent.goto(`${baseUrl}/sign-in`);
  await signIn(parent, 'parent.demo', PASSWORD);
  await parent.waitForURL(`${baseUrl}/`);
  await parent.goto(`${baseUrl}/classes`);
  await parent.getByRole('heading', { level: 1, name: zhCN.classes.title }).waitFor();
  const first = parent.getByTestId('session-card').filter({ hasText: '周三家长课堂（演示）' }).first();
  await first.getByTestId('book-open').click();
  await first.getByTestId('book-submit').click();
  await parent.getByText(zhCN.classes.booked).waitFor();
  const mine = parent.getByTestId('my-bookings');
  await mine.getByText(zhCN.classes.status.confirmed).first().waitFor();
  await screenshot(parent, 'classes-parent-booked.png');

  // The session id, from the booking.
  const bookings = (await (await parent.request.get(`${baseUrl}/api/classes/bookings/mine`)).json()) as { items: { sessionId: string; classTitle: string; session: { startsAt: string } }[] };
  const booking = bookings.items.filter((b) => b.classTitle === '周三家长课堂（演示）').sort((a, b) => a.session.startsAt.localeCompare(b.session.startsAt))[0]!;

  // The family's calendar: a private subscription link that a calendar app reads without the session; revoked, it stops.
  const calendar = parent.getByTestId('family-calendar');
  await calendar.getByTestId('calendar-make').click();
  const url = await calendar.getByTestId('calendar-url').inputValue();
  assert.match(url, new RegExp(`^${baseUrl}/api/classes/feeds/[A-Za-z0-9_-]{43}/calendar\\.ics$`));
  const subscribed = await fetch(url); // no cookie: what a phone's calendar app does
  assert.equal(subscribed.status, 200);
  assert.match(await subscribed.text(), new RegExp(`UID:class-session-${booking.sessionId}@coedu`));
  await calendar.getByTestId('calendar-revoke').click();
  await calendar.getByText(zhCN.classes.calendar.revoked).waitFor();
  assert.equal((await fetch(url)).status, 404);

  const teacherTab = await openPage();
  const teacher = teacherTab.page;
  await teacher.goto(`${baseUrl}/sign-in`);
  await signIn(teacher, 'teacher.demo', PASSWORD);
  await teacher.waitForURL(`${baseUrl}/`);
  await teacher.goto(`${baseUrl}/classes/sessions/${booking.sessionId}/desk`);
  await teacher.getByTestId('qr').waitFor();
  const digits = (await teacher.getByTestId('digits-shown').innerText()).trim();
  assert.match(digits, /^\d{6}$/);
  await teacher.getByTestId('roster').getByText('李妈妈（演示）').waitFor();
  await screenshot(teacher, 'classes-desk.png');

  await parent.goto(`${baseUrl}/classes/check-in?session=${booking.sessionId}`);
  await parent.getByTestId('digits').fill(digits);
  await parent.getByRole('button', { name: zhCN.classes.submit }).click();
  await parent.getByTestId('checked-in').waitFor();
  await screenshot(parent, 'classes-parent-checked-in.png');

  // The desk refreshes its roster every 10 s; reload to see it at once.
  await teacher.reload();
  await teacher.getByTestId('roster-count').filter({ hasText: /^1\// }).waitFor();

  // The parent's own pass is a QR code too.
  await parent.goto(`${baseUrl}/classes/sessions/${booking.sessionId}/pass`);
  await parent.getByTestId('qr').waitFor();

  // The teacher moves a later session of the class; the list shows the new time.
  const session = (await (await teacher.request.get(`${baseUrl}/api/classes/sessions/${booking.sessionId}`)).json()) as { classId: string };
  await teacher.goto(`${baseUrl}/classes/${session.classId}`);
  await teacher.getByTestId('reschedule-open').last().click();
  const target = new Date(Date.now() + 9 * 24 * 3_600_000);
  const local = `${target.getFullYear()}-${String(target.getMonth() + 1).padStart(2, '0')}-${String(target.getDate()).padStart(2, '0')}T19:30`;
  await teacher.getByTestId('reschedule-starts').fill(local);
  await teacher.getByTestId('reschedule-save').click();
  await teacher.getByText(zhCN.classes.rescheduled).waitFor();
  const after = (await (await teacher.request.get(`${baseUrl}/api/classes/sessions?classId=${session.classId}&limit=100`)).json()) as { items: { startsAt: string }[] };
  assert.ok(after.items.some((x) => x.startsAt === new Date(local).toISOString()), 'a session now starts at the new time');
  await screenshot(teacher, 'classes-rescheduled.png');
  assertClean(parentTab);
  assertClean(teacherTab);
});

/**
 * A YUV4MPEG2 video of one still frame showing `text` as a QR code: what Chromium's fake camera
 * (`--use-file-for-fake-video-capture`) plays in a loop. White page, black modules, centred.
 */
function qrVideo(text: string, width = 640, height = 480): Buffer {
  const matrix = encodeQr(text);
  // The pass fills about two thirds of the picture, as a phone held up to the camera would.
  const scale = Math.max(2, Math.floor((Math.min(width, height) * 0.66) / matrix.size));
  const left = Math.floor((width - matrix.size * scale) / 2);
  const top = Math.floor((height - matrix.size * scale) / 2);
  const luma = Buffer.alloc(width * height, 235);
  for (let y = 0; y < matrix.size; y++)
    for (let x = 0; x < matrix.size; x++)
      if (matrix.modules[y]![x]) for (let dy = 0; dy < scale; dy++) luma.fill(16, (top + y * scale + dy) * width + left + x * scale, (top + y * scale + dy) * width + left + (x + 1) * scale);
  const chroma = Buffer.alloc((width / 2) * (height / 2) * 2, 128);
  return Buffer.concat([Buffer.from(`YUV4MPEG2 W${width} H${height} F10:1 Ip A1:1 C420jpeg\n`), Buffer.from('FRAME\n'), luma, chroma]);
}

test("staff check guardians in with the desk's camera, one pass after another, without leaving the page", { timeout: TEST_TIMEOUT_MS }, async () => {
  // Another family books the session starting soon; its guardian's pass is what the camera will see.
  const guardianTab = await openPage();
  const guardian = guardianTab.page;
  await guardian.goto(`${baseUrl}/sign-in`);
  await signIn(guardian, 'other.parent', PASSWORD);
  await guardian.getByTestId('home-family').waitFor();
  const api = async <T,>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> => {
    const meResponse = await guardian.request.get(`${baseUrl}/api/auth/session`);
    const me = (await meResponse.json()) as { csrfToken: string };
    assert.ok(me.csrfToken, `GET /api/auth/session: ${meResponse.status()} ${JSON.stringify(me)}`);
    const response = await guardian.request.fetch(`${baseUrl}${path}`, { method, data: body, headers: { 'x-csrf-token': me.csrfToken, 'idempotency-key': `e2e-scan-${Date.now()}` } });
    assert.ok(response.ok(), `${method} ${path}: ${response.status()} ${await response.text()}`);
    return (await response.json()) as T;
  };
  const sessions = await api<{ items: { id: string; classTitle: string; startsAt: string }[] }>('GET', '/api/classes/sessions?limit=200');
  const soon = sessions.items.filter((x) => x.classTitle === '周三家长课堂（演示）').sort((a, b) => a.startsAt.localeCompare(b.startsAt))[0]!;
  const families = await api<{ items: { id: string; guardians: { userId: string }[] }[] }>('GET', '/api/families');
  const family = families.items[0]!;
  await api('POST', `/api/classes/sessions/${soon.id}/bookings`, { familyId: family.id, guardianUserIds: [family.guardians[0]!.userId] });

  // The desk's browser has a fake camera playing a file with the guardian's pass. A pass is valid in its 30-second
  // window and the next one, so take one at the start of a window: the desk then has a full minute to see it.
  const first = await api<{ rotatesAt: string }>('GET', `/api/classes/sessions/${soon.id}/pass`);
  await sleep(Math.max(0, new Date(first.rotatesAt).getTime() - Date.now()) + 500);
  const pass = await api<{ token: string }>('GET', `/api/classes/sessions/${soon.id}/pass`);
  const video = join(mkdtempSync(join(tmpdir(), 'coedu-camera-')), 'camera.y4m');
  writeFileSync(video, qrVideo(`${baseUrl}/classes/sessions/${soon.id}/desk?p=${encodeURIComponent(pass.token)}`));
  const cameraBrowser = await launchBrowser(['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-video-capture=${video}`]);
  try {
    const deskTab = await openPage({ browser: cameraBrowser });
    const desk = deskTab.page;
    await desk.context().grantPermissions(['camera'], { origin: baseUrl });
    await desk.goto(`${baseUrl}/sign-in`);
    await signIn(desk, 'teacher.demo', PASSWORD);
    await desk.waitForURL(`${baseUrl}/`);
    await desk.goto(`${baseUrl}/classes/sessions/${soon.id}/desk`);
    await desk.getByTestId('roster').getByText('张爸爸（演示）').waitFor();

    await desk.getByTestId('scanner-open').click();
    await desk.locator('[data-testid="pass-scanner"][data-state="scanning"]').waitFor();
    const success = zhCN.classes.scanner.checkedIn.replace('{{name}}', '张爸爸（演示）');
    try {
      await desk.getByTestId('scans').getByText(success).waitFor({ timeout: 45_000 });
    } catch (error) {
      const seen = await desk.getByTestId('scans').innerText().catch(() => '(none)');
      await screenshot(desk, 'classes-desk-scanner-failed.png');
      throw new Error(`the desk did not check the pass in; its scan list shows: ${JSON.stringify(seen)}`, { cause: error });
    }
    // The camera keeps seeing the same pass: it is sent once (no "already checked in" line follows).
    await sleep(1500);
    assert.equal(await desk.getByTestId('scans').locator('li').count(), 1);
    assert.match(await desk.url(), /\/desk$/, 'the desk never left its page');
    const roster = (await (await desk.request.get(`${baseUrl}/api/classes/sessions/${soon.id}/roster`)).json()) as { entries: { familyId: string; guardians: { checkedInAt: string | null; method?: string | null }[] }[] };
    const entry = roster.entries.find((e) => e.familyId === family.id)!;
    assert.ok(entry.guardians[0]!.checkedInAt, 'checked in');
    await screenshot(desk, 'classes-desk-scanner.png');
    assertClean(deskTab);
  } finally {
    await cameraBrowser.close();
  }
  assertClean(guardianTab);
});

test('the course library lists the catalogue by tier and theme', { timeout: TEST_TIMEOUT_MS }, async () => {
  const w = await openPage();
  const { page } = w;
  await page.goto(`${baseUrl}/sign-in`);
  await signIn(page, 'other.parent', PASSWORD);
  await page.waitForURL(`${baseUrl}/`);
  await page.goto(`${baseUrl}/classes/library`);
  await page.getByRole('heading', { level: 1, name: zhCN.classes.library }).waitFor();
  await page.getByTestId('library-total').filter({ hasText: /\d/ }).waitFor();
  const all = Number((await page.getByTestId('library-total').innerText()).replace(/\D/g, ''));
  assert.ok(all >= 2520, `the demo library has 2,520 entries and more courses (${all})`);
  await page.getByTestId('library-tier').selectOption('required');
  await page.getByTestId('library-total').filter({ hasNotText: String(all) }).waitFor();
  const required = Number((await page.getByTestId('library-total').innerText()).replace(/\D/g, ''));
  assert.ok(required >= 840 && required < all, `required tier: ${required}`);
  await screenshot(page, 'classes-library.png');
  assertClean(w);
});
