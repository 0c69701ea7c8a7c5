/**
 * Browser test: the family points bank with the Yuzhong demo — a parent logs a home activity in a few taps, a child
 * rates a guardian in child mode, a teacher records attendance and sees the aggregates (ECharts), the parent opens
 * the growth handbook and its A4 PDF.
 *
 *   node --import tsx --test e2e/points.e2e.ts
 *
 * Server, web build and browser come from ./support.ts (fresh PGlite database with the demo). Screenshots go to
 * test-results/points-*.png.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { zhCN } from '../web/src/i18n/zh-CN.ts';
import { pointsZh } from '../web/src/pages/points/strings.ts';
import { assertClean, baseUrl, openPage, PASSWORD, screenshot, signIn, startEnvironment, stopEnvironment, TEST_TIMEOUT_MS } from './support.ts';

before(startEnvironment);
after(stopEnvironment);

test('a parent logs a home activity in two taps and sees the balance and the history', { timeout: TEST_TIMEOUT_MS }, async () => {
  const w = await openPage({ viewport: { width: 390, height: 844 } });
  const { page } = w;
  await page.goto(`${baseUrl}/sign-in`);
  await signIn(page, 'parent.demo', PASSWORD);
  await page.getByTestId('home-family').waitFor();
  await page.goto(`${baseUrl}/points`);
  const balance = page.getByTestId('points-balance');
  await balance.waitFor();
  const before = Number(await balance.innerText());
  const tile = page.getByTestId('points-activity').first();
  const label = await tile.innerText();
  await tile.click();
  await page.getByTestId('points-note').fill('一起读了《小王子》');
  await page.getByTestId('points-log-submit').click();
  await page.getByTestId('points-message').waitFor();
  const points = Number(/\+(\d+)/.exec(label)![1]);
  await page.waitForFunction((expected) => document.querySelector('[data-testid="points-balance"]')?.textContent === String(expected), before + points);
  await page.getByTestId('points-entries').getByText('一起读了《小王子》').waitFor();
  await screenshot(page, 'points-family.png');
  assertClean(w);
});

test('a child rates a guardian in child mode: faces, no free text, a thank-you', { timeout: TEST_TIMEOUT_MS }, async () => {
  const w = await openPage({ viewport: { width: 390, height: 844 } });
  const { page } = w;
  await page.goto(`${baseUrl}/sign-in`);
  await signIn(page, 'parent.demo', PASSWORD);
  await page.getByTestId('family-card').getByRole('link', { name: zhCN.home.family.open }).click();
  await page.getByTestId('family-page').waitFor();
  await page.getByTestId('family-child').first().getByTestId('enter-child-mode').click();
  await page.getByTestId('child-pin').fill('1234');
  await page.getByRole('button', { name: zhCN.childMode.submit }).click();
  await page.getByTestId('child-home').waitFor();
  await page.getByTestId('child-rate-link').click();
  const screen = page.getByTestId('child-ratings');
  await screen.waitFor();
  assert.equal(await screen.locator('input[type="text"], textarea').count(), 0, 'no free text for children');
  await page.getByTestId('child-guardian').first().click();
  const behaviours = page.getByTestId('child-behaviour');
  await behaviours.first().waitFor();
  await behaviours.nth(0).getByTestId('child-face-3').click();
  await behaviours.nth(1).getByTestId('child-face-2').click();
  await screenshot(page, 'points-child-rating.png');
  await page.getByTestId('child-ratings-submit').click();
  await page.getByRole('heading', { name: pointsZh.child.thanks }).waitFor();
  assertClean(w);
});

test('a teacher records attendance and sees participation by class; the parent opens the handbook and its PDF', { timeout: TEST_TIMEOUT_MS }, async () => {
  const w = await openPage();
  const { page } = w;
  await page.goto(`${baseUrl}/sign-in`);
  await signIn(page, 'teacher.demo', PASSWORD);
  await page.waitForURL(`${baseUrl}/`);
  await page.getByRole('navigation').getByRole('link', { name: pointsZh.nav }).click();
  await page.waitForURL(/\/points\/staff$/);
  await page.getByTestId('event-kind').selectOption('parent_class');
  await page.getByTestId('event-title').fill('如何陪孩子读书');
  await page.getByTestId('event-create').click();
  const guardian = page.getByTestId('attendance-guardian').first();
  await guardian.waitFor();
  await guardian.check();
  await page.getByTestId('attendance-record').click();
  await page.getByTestId('attendance-message').waitFor();
  await page.locator('[data-testid="points-chart"][data-rendered="true"]').waitFor();
  assert.ok((await page.getByTestId('points-stats').locator('tbody tr').count()) >= 1);
  await screenshot(page, 'points-staff.png');
  assertClean(w);

  const p = await openPage();
  await p.page.goto(`${baseUrl}/sign-in`);
  await signIn(p.page, 'parent.demo', PASSWORD);
  await p.page.getByTestId('home-family').waitFor();
  await p.page.goto(`${baseUrl}/points`);
  await p.page.getByTestId('points-handbook-link').click();
  await p.page.getByTestId('points-handbook').getByText('如何陪孩子读书').waitFor();
  const href = await p.page.getByTestId('handbook-pdf').getAttribute('href');
  const pdf = await p.page.request.get(`${baseUrl}${href}`);
  assert.equal(pdf.status(), 200);
  assert.equal(pdf.headers()['content-type'], 'application/pdf');
  assert.equal((await pdf.body()).subarray(0, 5).toString(), '%PDF-');
  await screenshot(p.page, 'points-handbook.png');
  assertClean(p);
});
