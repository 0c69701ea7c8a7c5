/**
 * Browser test of directory search (/search): a family searches by words, then within walking minutes of its home
 * point, which a guardian sets on the family page by tapping the map (issue 4: "within N walking minutes of here /
 * of my home / of my child's school").
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { zhCN } from '../web/src/i18n/zh-CN.ts';
import { assertClean, baseUrl, expectHeading, openPage, PASSWORD, screenshot, signIn, startEnvironment, stopEnvironment, TEST_TIMEOUT_MS, waitForMapLoaded } from './support.ts';

before(startEnvironment);
after(stopEnvironment);

test('a parent searches by words, sets the home point on the map and finds what is within 15 minutes of home', { timeout: TEST_TIMEOUT_MS }, async () => {
  const w = await openPage({ viewport: { width: 412, height: 915 }, hasTouch: true });
  const { page } = w;
  await page.goto(`${baseUrl}/sign-in`);
  await signIn(page, 'parent.demo', PASSWORD);
  await page.getByTestId('home-family').waitFor();

  // Words: results ranked and highlighted, each with its organisation.
  await page.goto(`${baseUrl}/search`);
  await expectHeading(page, zhCN.search.title);
  await page.getByTestId('search-q').fill('亲子科学');
  await page.getByTestId('search-q').press('Enter');
  await page.waitForURL(/q=/);
  const hits = page.getByTestId('search-hit');
  // The list before the words were sent has no highlights: wait for the answer to the words.
  await hits.first().locator('mark').first().waitFor();
  assert.match(await hits.first().innerText(), /亲子科学实验/);
  const marked = (await hits.first().locator('mark').allInnerTexts()).join(' ');
  assert.ok(marked.includes('亲子') && marked.includes('科学'), `the matched words are highlighted (${marked})`);

  // No home point yet: the chip leads to the family page, where a guardian taps the map.
  const families = (await (await page.request.get(`${baseUrl}/api/families`)).json()) as { items: { id: string }[] };
  const familyId = families.items[0]!.id;
  const cleared = await page.request.delete(`${baseUrl}/api/families/${familyId}/home`, { headers: { 'x-csrf-token': await csrf(page) } });
  assert.ok([200, 404].includes(cleared.status()), `no home point to start with (${cleared.status()})`);
  await page.goto(`${baseUrl}/family/${familyId}`);
  const section = page.getByTestId('family-home');
  await section.getByText(zhCN.family.home.none).waitFor();
  await section.getByTestId('family-home-map').click();
  await waitForMapLoaded(page, 'search-map');
  const map = section.getByTestId('search-map');
  const box = (await map.boundingBox())!;
  await map.click({ position: { x: box.width / 2, y: box.height / 2 } });
  await section.getByTestId('family-home-picked').waitFor();
  await section.getByTestId('family-home-save').click();
  await section.getByText(zhCN.family.home.savedMessage).waitFor();
  await section.getByTestId('family-home-saved').waitFor();
  await screenshot(page, 'family-home-point.png');

  // Near home: the chip, the method said, walking minutes on every hit.
  await page.goto(`${baseUrl}/search`);
  await page.getByTestId('near-home').click();
  await page.waitForURL(/nearHome=/);
  const method = page.getByTestId('search-method');
  await method.waitFor();
  assert.match(await method.innerText(), new RegExp(zhCN.search.results.fromHome.replace('{{minutes}}', '15').slice(0, 8)));
  assert.ok(['network', 'estimate'].includes((await method.getAttribute('data-method')) ?? ''));
  await hits.first().waitFor();
  const minutes = await page.getByTestId('walk-minutes').allInnerTexts();
  assert.ok(minutes.length > 0, 'every hit says how many minutes');
  await screenshot(page, 'search-near-home.png');

  // The home point is the family's own: the API refuses anyone else.
  const other = await openPage();
  await other.page.goto(`${baseUrl}/sign-in`);
  await signIn(other.page, 'other.parent', PASSWORD);
  await other.page.getByTestId('home-family').waitFor();
  assert.equal((await other.page.request.get(`${baseUrl}/api/families/${familyId}/home`)).status(), 403);
  assertClean(w);
  assertClean(other);
});

/** The CSRF token of the page's session (as the app reads it from /api/auth/session). */
async function csrf(page: import('playwright-core').Page): Promise<string> {
  const me = (await (await page.request.get(`${baseUrl}/api/auth/session`)).json()) as { csrfToken: string };
  return me.csrfToken;
}
