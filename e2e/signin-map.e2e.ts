/**
 * Browser test: sign-in, home per role, the district map, language switch, error messages, child mode.
 *
 *   node --import tsx --test e2e/signin-map.e2e.ts
 *
 * The server, the web build and the browser are set up by ./support.ts (a fresh PGlite database seeded with the
 * Yuzhong demo, /usr/bin/chromium through playwright-core). Screenshots go to test-results/.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { zhCN } from '../web/src/i18n/zh-CN.ts';
import { en } from '../web/src/i18n/en.ts';
import {
  assertClean,
  baseUrl,
  expectHeading,
  openPage,
  PASSWORD,
  screenshot,
  signIn,
  sleep,
  startEnvironment,
  stopEnvironment,
  TEST_TIMEOUT_MS,
  waitForMap,
} from './support.ts';

before(startEnvironment);
after(stopEnvironment);

// ---------------------------------------------------------------------------------------------------------------------
// tests

test('a parent signs in, sees the family with children, and opens the map', { timeout: TEST_TIMEOUT_MS }, async () => {
  const w = await openPage();
  const { page } = w;
  await page.goto(`${baseUrl}/`);
  await page.waitForURL(/\/sign-in$/); // unauthenticated → sign-in
  assert.equal(await page.locator('html').getAttribute('lang'), 'zh-CN');
  await expectHeading(page, zhCN.signIn.title);

  await signIn(page, 'parent.demo', PASSWORD);
  const family = page.getByTestId('home-family');
  await family.waitFor();
  await page.waitForURL(`${baseUrl}/`);
  assert.equal(await family.getByRole('heading', { level: 2 }).innerText(), zhCN.home.family.title);
  assert.equal(await page.getByTestId('family-card').count(), 1, 'the demo parent has one family');
  assert.equal(await page.getByTestId('child-chip').count(), 2, 'the demo family has two children');
  assert.ok(await page.getByTestId('accept-invitation').isVisible(), '"join a family" is offered');
  assert.equal(await page.getByTestId('home-district').count(), 0, 'a parent sees no district dashboard');
  assert.equal(await page.getByRole('link', { name: zhCN.nav.users }).count(), 0, 'a parent has no admin navigation');
  await screenshot(page, 'parent-home.png');

  await page.getByRole('navigation').getByRole('link', { name: zhCN.nav.map }).click();
  await page.waitForURL(/\/map$/);
  await waitForMap(page);
  await screenshot(page, 'parent-map.png');
  assertClean(w);
});

test('a district admin is sent back to the page they asked for, sees the dashboard and the map', { timeout: TEST_TIMEOUT_MS }, async () => {
  const w = await openPage();
  const { page } = w;
  await page.goto(`${baseUrl}/admin/audit`);
  await page.waitForURL(/\/sign-in$/);
  await signIn(page, 'district.admin', PASSWORD);
  await page.waitForURL(/\/admin\/audit$/); // back where they came from
  await expectHeading(page, zhCN.audit.title);
  await page.getByTestId('audit-table').waitFor(); // sign-ins are audited, so there is at least one row

  await page.getByRole('navigation').getByRole('link', { name: zhCN.nav.home }).click();
  const dashboard = page.getByTestId('home-district');
  await dashboard.waitFor();
  const stats = await dashboard.locator('.stat').allInnerTexts();
  assert.equal(stats.length, 7, `seven district counts, got ${stats.length}`);
  const communities = stats.find((s) => s.startsWith(zhCN.home.district.communities));
  assert.ok(communities && Number(communities.replace(/\D/g, '')) > 0, `communities are counted: ${communities}`);
  for (const label of [zhCN.nav.users, zhCN.nav.audit, zhCN.nav.tokens]) {
    assert.equal(await page.getByRole('navigation').getByRole('link', { name: label }).count(), 1, `navigation has ${label}`);
  }
  await screenshot(page, 'district-home.png');

  await dashboard.getByRole('link', { name: zhCN.home.district.openMap }).click();
  await page.waitForURL(/\/map$/);
  await waitForMap(page);
  await screenshot(page, 'district-map.png');
  assertClean(w);
});

test('the language switch turns the interface into English and remembers it', { timeout: TEST_TIMEOUT_MS }, async () => {
  const w = await openPage();
  const { page } = w;
  await page.goto(`${baseUrl}/sign-in`);
  assert.equal(await page.getByTestId('lang-switch').innerText(), zhCN.lang.switchTo);
  await page.getByTestId('lang-switch').click();
  await page.locator('html[lang="en"]').waitFor();
  await expectHeading(page, en.signIn.title);
  assert.equal(await page.getByTestId('signin-submit').innerText(), en.signIn.submit);

  await page.reload();
  await page.locator('html[lang="en"]').waitFor();
  await expectHeading(page, en.signIn.title); // the choice survives a reload

  // Signed in, the choice is kept and saved to the account (PATCH /api/me).
  await signIn(page, 'teacher.demo', PASSWORD);
  await page.waitForURL(`${baseUrl}/`);
  const greeting = page.locator('h1.greeting');
  await greeting.waitFor();
  assert.ok((await greeting.innerText()).startsWith(en.home.greeting.split('{{name}}')[0]), 'the home page greets in English');
  assert.equal(await page.getByRole('navigation').getByRole('link', { name: en.nav.map }).count(), 1);
  let locale = '';
  for (let attempt = 0; attempt < 40 && locale !== 'en'; attempt++) {
    const session = (await (await page.request.get(`${baseUrl}/api/auth/session`)).json()) as { user: { locale: string } };
    locale = session.user.locale;
    if (locale !== 'en') await sleep(250);
  }
  assert.equal(locale, 'en', 'the account locale follows the switch');
  await screenshot(page, 'english-home.png');

  // And back to Chinese.
  await page.getByTestId('lang-switch').click();
  await page.locator('html[lang="zh-CN"]').waitFor();
  assert.equal(await page.getByRole('navigation').getByRole('link', { name: zhCN.nav.map }).count(), 1);
  assertClean(w);
});

test('a wrong password shows the localised error', { timeout: TEST_TIMEOUT_MS }, async () => {
  const w = await openPage();
  const { page } = w;
  await page.goto(`${baseUrl}/sign-in`);
  await signIn(page, 'parent.demo', 'Wrong-password-1');
  const error = page.getByTestId('error');
  await error.waitFor();
  assert.equal((await error.innerText()).trim(), zhCN.errors.invalid_credentials);
  assert.match(page.url(), /\/sign-in$/);

  await page.getByTestId('lang-switch').click();
  await page.locator('html[lang="en"]').waitFor();
  await signIn(page, 'parent.demo', 'Wrong-password-2');
  await page.getByText(en.errors.invalid_credentials).waitFor();
  assertClean(w);
});

test('a guardian hands the phone to a child and takes it back with their password', { timeout: TEST_TIMEOUT_MS }, async () => {
  const w = await openPage({ viewport: { width: 390, height: 844 } });
  const { page } = w;
  await page.goto(`${baseUrl}/sign-in`);
  await signIn(page, 'parent.demo', PASSWORD);
  await page.getByTestId('family-card').getByRole('link', { name: zhCN.home.family.open }).click();
  await page.getByTestId('family-page').waitFor();
  const firstChild = page.getByTestId('family-child').first();
  const childName = (await firstChild.locator('.child-name').innerText()).trim();
  await firstChild.getByTestId('enter-child-mode').click();
  await page.getByTestId('child-pin').fill('1234');
  await page.getByRole('button', { name: zhCN.childMode.submit }).click();

  const childHome = page.getByTestId('child-home');
  await childHome.waitFor();
  await expectHeading(page, zhCN.child.hello.replace('{{name}}', childName), childHome);
  assert.equal(await page.getByRole('navigation').count(), 0, 'no adult navigation in child mode');
  await screenshot(page, 'child-mode.png');

  await page.goto(`${baseUrl}/map`); // adult pages are out of reach
  await childHome.waitFor();
  assert.equal(new URL(page.url()).pathname, '/');
  assert.equal(await page.getByTestId('district-map').count(), 0);

  await page.getByTestId('child-exit').click();
  await page.getByTestId('child-exit-password').fill('not-the-password-1');
  await page.getByRole('button', { name: zhCN.child.exitSubmit }).click();
  await page.getByTestId('error').waitFor();
  assert.ok(await childHome.isVisible(), 'a wrong password keeps child mode');

  await page.getByTestId('child-exit-password').fill(PASSWORD);
  await page.getByRole('button', { name: zhCN.child.exitSubmit }).click();
  await page.getByTestId('family-page').waitFor();
  assert.match(new URL(page.url()).pathname, /^\/family\//);
  assertClean(w);
});
