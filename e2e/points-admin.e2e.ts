/**
 * Browser test: the points bank's management screens with the Yuzhong demo — district.admin edits a home activity's
 * day cap on the rules page (on a phone, through the menu; a cap below the points is refused with our words), a second
 * admin who had the rule open is told their later save was refused (version precondition), and parent.demo sees the
 * new cap on the activity; venue.manager offers a reward that parent.demo sees in the catalogue and redeems (the
 * partner sees the pick-up code, no names), and that leaves the catalogue once taken off offer.
 *
 *   CI=true npx tsx scripts/test.ts e2e/points-admin.e2e.ts
 *
 * Server, web build and browser come from ./support.ts (fresh PGlite database with the demo). Screenshots go to
 * test-results/points-admin-*.png.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { pointsEn, pointsErrorsZh, pointsZh } from '../web/src/pages/points/strings.ts';
import { assertClean, baseUrl, expectHeading, openPage, PASSWORD, screenshot, signIn, startEnvironment, stopEnvironment, TEST_TIMEOUT_MS } from './support.ts';
import type { Page } from 'playwright-core';

before(startEnvironment);
after(stopEnvironment);

const PHONE = { width: 390, height: 844 };

async function noSidewaysScroll(page: Page) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the page scrolls sideways by ${overflow}px on a phone`);
}

test('district.admin edits a day cap on a phone; a bad cap is refused in our words; the parent sees the new cap', { timeout: TEST_TIMEOUT_MS }, async () => {
  const w = await openPage({ viewport: PHONE });
  const { page } = w;
  await page.goto(`${baseUrl}/sign-in`);
  await signIn(page, 'district.admin', PASSWORD);
  await page.waitForURL(`${baseUrl}/`);
  await page.locator('.menu-toggle').click();
  await page.getByRole('navigation').getByRole('link', { name: pointsZh.admin.nav }).click();
  await page.waitForURL(/\/points\/rules$/);
  await expectHeading(page, pointsZh.admin.title);

  const home = page.getByTestId('rules-home_activity');
  await home.getByTestId('rule-row').first().waitFor();
  assert.equal(await home.getByTestId('rule-row').count(), 10, 'the 10 home activities');
  assert.equal(await page.getByTestId('rules-school_attendance').getByTestId('rule-row').count(), 4, 'the 4 at-school kinds');
  assert.ok((await page.getByTestId('rules-child_rating').getByTestId('rule-row').count()) >= 1, 'the child-rated behaviours');
  assert.equal(await page.getByTestId('rating-points-2').inputValue(), '1', 'the ratings → points table');

  const row = home.locator('[data-code="reading_together"]');
  const points = Number(await row.getByTestId('rule-points').inputValue());

  // A second admin (desktop) has the same rule open; whoever saves second is told, and nothing is overwritten.
  const other = await openPage();
  await other.page.goto(`${baseUrl}/sign-in`);
  await signIn(other.page, 'centre.staff', PASSWORD);
  await other.page.waitForURL(`${baseUrl}/`);
  await other.page.goto(`${baseUrl}/points/rules`);
  const otherRow = other.page.getByTestId('rules-home_activity').locator('[data-code="reading_together"]');
  await otherRow.getByTestId('rule-capPerWeek').waitFor();
  const weekBefore = await otherRow.getByTestId('rule-capPerWeek').inputValue();
  // Below one booking's points: refused, with the localised explanation of the issue code.
  await row.getByTestId('rule-capPerDay').fill(String(points - 1));
  await row.getByTestId('rule-save').click();
  await row.getByTestId('error').getByText(pointsZh.admin.issues.cap_below_points).waitFor();
  await screenshot(page, 'points-admin-rules-error.png');

  const newCap = points * 3;
  await row.getByTestId('rule-capPerDay').fill(String(newCap));
  await row.getByTestId('rule-save').click();
  await row.getByTestId('rule-saved').waitFor();
  assert.equal(await row.getByTestId('rule-capPerDay').inputValue(), String(newCap));
  assert.equal(await row.getByTestId('error').count(), 0);
  await noSidewaysScroll(page);
  await screenshot(page, 'points-admin-rules.png');
  assertClean(w);

  await otherRow.getByTestId('rule-capPerWeek').fill(String(Number(weekBefore) + 1));
  await otherRow.getByTestId('rule-save').click();
  await otherRow.getByTestId('error').getByText(pointsErrorsZh.points_version_conflict).waitFor();
  // The row now shows the version saved first (the other admin's day cap), ready to edit again.
  await other.page.waitForFunction((cap) => (document.querySelector('[data-code="reading_together"] [data-testid="rule-capPerDay"]') as HTMLInputElement | null)?.value === cap, String(newCap));
  assert.equal(await otherRow.getByTestId('rule-capPerWeek').inputValue(), weekBefore, 'the refused change was not saved');
  await screenshot(other.page, 'points-admin-rules-conflict.png');
  assertClean(other);

  const p = await openPage({ viewport: PHONE });
  await p.page.goto(`${baseUrl}/sign-in`);
  await signIn(p.page, 'parent.demo', PASSWORD);
  await p.page.getByTestId('home-family').waitFor();
  await p.page.goto(`${baseUrl}/points`);
  const tile = p.page.getByTestId('points-activity').filter({ hasText: '亲子共读' });
  await tile.getByTestId('points-activity-cap').waitFor();
  assert.match(await tile.getByTestId('points-activity-cap').innerText(), new RegExp(`/${newCap}\\b`));
  assertClean(p);
});

test('venue.manager offers a reward; parent.demo redeems it, the partner sees the code; off offer it leaves the catalogue', { timeout: TEST_TIMEOUT_MS }, async () => {
  const title = `科技馆亲子票 ${Date.now() % 100000}`;
  const w = await openPage({ viewport: PHONE });
  const { page } = w;
  await page.goto(`${baseUrl}/sign-in`);
  await signIn(page, 'venue.manager', PASSWORD);
  await page.waitForURL(`${baseUrl}/`);
  await page.locator('.menu-toggle').click();
  await page.getByRole('navigation').getByRole('link', { name: pointsZh.partner.nav }).click();
  await page.waitForURL(/\/points\/rewards$/);
  await expectHeading(page, pointsZh.partner.title);
  // The picker offers the venue this manager runs (options are attached, not "visible").
  await page.getByTestId('reward-organisation').locator('option').first().waitFor({ state: 'attached' });
  assert.equal(await page.getByTestId('reward-organisation').locator('option').count(), 1, 'only the own venue');
  assert.equal(await page.getByTestId('reward-organisation').locator('option').first().innerText(), '枇杷山书院');
  await page.getByTestId('reward-title').fill(title);
  await page.getByTestId('reward-cost').fill('2');
  await page.getByTestId('reward-stock').fill('3');
  await page.getByTestId('reward-limit').fill('1');
  await page.getByTestId('reward-create').click();
  await page.getByTestId('reward-created').waitFor();
  const row = page.getByTestId('reward-row').filter({ hasText: title });
  await row.waitFor();
  await row.getByTestId('reward-show-redemptions').click();
  await row.getByTestId('reward-redemptions').getByText(pointsZh.partner.noRedemptions).waitFor();
  await noSidewaysScroll(page);
  await screenshot(page, 'points-admin-rewards.png');

  const p = await openPage({ viewport: PHONE });
  await p.page.goto(`${baseUrl}/sign-in`);
  await signIn(p.page, 'parent.demo', PASSWORD);
  await p.page.getByTestId('home-family').waitFor();
  await p.page.goto(`${baseUrl}/points`);
  const offered = p.page.getByTestId('points-rewards').locator('li').filter({ hasText: title }).filter({ has: p.page.getByTestId('points-redeem') });
  await offered.waitFor();

  // The parent earns 2+ points with one tap and redeems it; the partner sees the pick-up code, not the family.
  await p.page.getByTestId('points-activity').first().click();
  await p.page.getByTestId('points-log-submit').click();
  await p.page.getByTestId('points-message').waitFor();
  await offered.getByTestId('points-redeem').click();
  await p.page.getByTestId('points-message').getByText(/[A-Z0-9]{8}/).waitFor();
  const code = /([A-Z0-9]{8})/.exec(await p.page.getByTestId('points-message').innerText())![1]!;
  await row.getByTestId('reward-show-redemptions').click();
  await row.getByTestId('reward-show-redemptions').click();
  await row.getByTestId('reward-redemptions').getByText(code).waitFor();
  const listed = await row.getByTestId('reward-redemptions').innerText();
  const familyName = await p.page.getByTestId('points-family').locator('h2').first().innerText();
  const guardianName = (await p.page.getByTestId('user-name').textContent()) ?? '';
  assert.ok(familyName.length > 0 && guardianName.length > 0);
  assert.equal(listed.includes(familyName) || listed.includes(guardianName), false, 'no family or guardian names');
  await screenshot(page, 'points-admin-redemptions.png');

  // Off offer: the parent's catalogue no longer shows it.
  await row.getByTestId('reward-toggle').click();
  await row.getByText(pointsZh.partner.inactive).waitFor();
  const catalogue = p.page.waitForResponse((r) => new URL(r.url()).pathname === '/api/points/rewards' && r.status() === 200);
  await p.page.reload();
  const items = ((await (await catalogue).json()) as { items: { title: string; active: boolean }[] }).items.filter((r) => r.active);
  assert.equal(items.some((r) => r.title === title), false, 'not offered any more');
  // Wait until the page shows the catalogue it was sent, then check the reward is not among it.
  await p.page.waitForFunction(
    (n) => (n === 0 ? !!document.querySelector('[data-testid="points-rewards"] p.muted') : document.querySelectorAll('[data-testid="points-rewards"] li').length >= n),
    items.length,
  );
  // (The family's own redemption of it is still listed under "my redemptions"; the offer itself is gone.)
  assert.equal(await p.page.getByTestId('points-rewards').locator('li').filter({ hasText: title }).filter({ has: p.page.getByTestId('points-redeem') }).count(), 0);
  assertClean(w);
  assertClean(p);
});

test('in English on a phone: the rules page explains a cap out of order, the rewards page reads in English', { timeout: TEST_TIMEOUT_MS }, async () => {
  const w = await openPage({ viewport: PHONE });
  const { page } = w;
  await page.goto(`${baseUrl}/sign-in`);
  await signIn(page, 'district.admin', PASSWORD);
  await page.waitForURL(`${baseUrl}/`);
  await page.locator('.menu-toggle').click();
  await page.getByTestId('lang-switch').click();
  await page.goto(`${baseUrl}/points/rules`);
  await expectHeading(page, pointsEn.admin.title);
  const row = page.getByTestId('rules-home_activity').locator('[data-code="dinner_talk"]');
  const day = Number(await row.getByTestId('rule-capPerDay').inputValue());
  await row.getByTestId('rule-capPerWeek').fill(String(day - 1));
  await row.getByTestId('rule-save').click();
  await row.getByTestId('error').getByText(pointsEn.admin.issues.cap_order).waitFor();
  await row.getByTestId('error').getByText(pointsEn.admin.capPerWeek).waitFor();
  await noSidewaysScroll(page);
  await screenshot(page, 'points-admin-rules-en.png');
  await page.goto(`${baseUrl}/points/rewards`);
  await expectHeading(page, pointsEn.partner.title);
  await page.getByRole('heading', { name: pointsEn.partner.new }).waitFor();
  await noSidewaysScroll(page);
  assertClean(w);
});
