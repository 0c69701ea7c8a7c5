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
import { assertClean, baseUrl, openPage, PASSWORD, screenshot, signIn, startEnvironment, stopEnvironment, TEST_TIMEOUT_MS } from './support.ts';

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
