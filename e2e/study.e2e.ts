/**
 * Browser test: the study map (研学地图), the study-route catalogue, a route, its printable A4 sheet, a school's group
 * visit request (with a retry on the same Idempotency-Key) and the base accepting it within its capacity; the route
 * editor for district staff.
 *
 *   node --import tsx --test e2e/study.e2e.ts
 *
 * The server, the web build and the browser are set up by ./support.ts (fresh PGlite database with the Yuzhong demo:
 * 211 bases on the study map, 22 published routes, no street graph so every walk is an estimate). Screenshots (and the
 * route sheet as a PDF) go to test-results/.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { zhCN } from '../web/src/i18n/zh-CN.ts';
import { assertClean, expectHeading, baseUrl, openPage, PASSWORD, RESULTS, screenshot, signIn, startEnvironment, stopEnvironment, TEST_TIMEOUT_MS, waitForMapLoaded } from './support.ts';

before(startEnvironment);
after(stopEnvironment);

const VENUE = '枇杷山书院';

/** "{{a}} and {{b}}" → "1 and 2". */
function fill(template: string, values: Record<string, string | number>): string {
  return template.replace(/\{\{(\w+)\}\}/g, (_, key: string) => String(values[key]));
}

interface MapAnswer {
  features: { properties: { id: string; name: string; categories: { code: string }[] } }[];
}
interface RouteAnswer {
  id: string;
  title: string;
  status: string;
  walk: { method: string; climbM: number | null };
  stops: { name: string; legToNext: unknown }[];
}
interface VisitAnswer {
  id: string;
  status: string;
  groupSize: number;
  visitDate: string;
  school: { name: string };
  venue: { name: string };
}

async function getJson<T>(page: Page, path: string): Promise<T> {
  const response = await page.request.get(`${baseUrl}${path}`);
  assert.equal(response.status(), 200, `GET ${path}`);
  return (await response.json()) as T;
}

/** A visit date a week ahead in China's calendar (the server refuses past dates). Input only: nothing asserts on it. */
function visitDateAhead(days: number): string {
  return new Date(Date.now() + 8 * 3600_000 + days * 86_400_000).toISOString().slice(0, 10);
}

/** Waits for a selector; on time-out the error carries what the page shows instead (for a failure on CI). */
async function waitOrExplain(page: Page, selector: string): Promise<void> {
  try {
    await page.locator(selector).waitFor();
  } catch (error) {
    const shown = await page.locator('body').innerText().catch(() => '(no body)');
    throw new Error(`${selector} did not appear on ${page.url()}; the page shows:\n${shown.slice(0, 2000)}`, { cause: error });
  }
}

async function signedIn(login: string, home: string, viewport = { width: 1280, height: 900 }) {
  const w = await openPage({ viewport });
  await w.page.goto(`${baseUrl}/sign-in`);
  await signIn(w.page, login, PASSWORD);
  await w.page.getByTestId(home).waitFor();
  return w;
}

test('a parent filters the study map by category, lists the bases, opens the route catalogue, a route and its A4 sheet', { timeout: TEST_TIMEOUT_MS }, async () => {
  const w = await signedIn('parent.demo', 'home-family');
  const { page } = w;
  const nav = page.getByRole('navigation');
  assert.equal(await nav.getByRole('link', { name: zhCN.study.nav.visits }).count(), 0, 'a parent has no group visits');

  // ----- the study map: every base drawn, the illustrative note visible
  await nav.getByRole('link', { name: zhCN.study.nav.map }).click();
  await page.waitForURL(/\/study$/);
  await expectHeading(page, zhCN.study.map.title);
  const all = await getJson<MapAnswer>(page, '/api/study/map');
  assert.ok(all.features.length >= 183, `the demo has at least 183 bases (got ${all.features.length})`);
  await waitForMapLoaded(page, 'study-map');
  await page.locator(`[data-testid="study-map"][data-drawn="||${all.features.length}"]`).waitFor();
  const note = page.getByTestId('study-note');
  assert.ok(await note.isVisible());
  assert.equal(await note.innerText(), zhCN.study.illustrativeNote);
  assert.ok(zhCN.study.illustrativeNote.includes('示意位置') && zhCN.study.illustrativeNote.includes('WGS-84'));
  assert.equal(await page.locator('.maplibregl-canvas').count(), 1);

  // The legend: eight categories, each with its count; together every base.
  const legend = page.getByTestId('legend-category');
  assert.equal(await legend.count(), 8);
  const counted = (await legend.allInnerTexts()).map((s) => Number(/\((\d+)\)/.exec(s)?.[1] ?? NaN));
  assert.equal(
    counted.reduce((a, b) => a + b, 0),
    all.features.reduce((n, f) => n + f.properties.categories.length, 0),
    `legend counts ${counted.join(', ')}`,
  );

  // ----- filter by a category: the map redraws with exactly the API's answer for it
  const patriotic = await getJson<MapAnswer>(page, '/api/study/map?category=patriotic');
  assert.ok(patriotic.features.length > 0 && patriotic.features.length < all.features.length);
  await page.getByTestId('category-chip-patriotic').click();
  await page.waitForURL(/category=patriotic/);
  await page.locator(`[data-testid="study-map"][data-drawn="patriotic||${patriotic.features.length}"]`).waitFor();
  assert.equal(await page.getByTestId('category-chip-patriotic').getAttribute('aria-pressed'), 'true');
  assert.equal(
    (await page.getByTestId('base-count').innerText()).trim(),
    fill(zhCN.study.map.count, { shown: patriotic.features.length, total: all.features.length }),
  );

  // ----- the list view: the same bases, sortable by name; a row opens the base card (no visit request for parents)
  await page.getByTestId('view-list').click();
  await page.getByTestId('base-list').waitFor();
  assert.equal(await page.getByTestId('base-row').count(), patriotic.features.length);
  const names = (await page.getByTestId('base-row-open').allInnerTexts()).map((s) => s.trim());
  const collator = new Intl.Collator('zh-CN');
  assert.deepEqual(names, [...names].sort(collator.compare), 'sorted by name');
  await page.getByTestId('sort-name').click();
  const reversed = (await page.getByTestId('base-row-open').allInnerTexts()).map((s) => s.trim());
  assert.deepEqual(reversed, [...names].reverse(), 'the name column sorts both ways');
  await page.getByTestId('base-row-open').first().click();
  const card = page.getByTestId('base-card');
  await card.waitFor();
  assert.equal(await card.getByRole('heading', { level: 2 }).innerText(), reversed[0]);
  assert.ok((await card.getByTestId('base-category').innerText()).includes('爱国主义教育'));
  assert.equal(await page.getByTestId('request-visit').count(), 0, 'parents do not request group visits');

  // ----- the route catalogue
  await nav.getByRole('link', { name: zhCN.study.nav.routes }).click();
  await page.waitForURL(/\/study\/routes$/);
  const routes = await getJson<{ items: RouteAnswer[]; total: number }>(page, '/api/study/routes?limit=100');
  assert.ok(routes.total >= 22, `the demo publishes 22 routes (got ${routes.total})`);
  const cards = page.getByTestId('route-card');
  await cards.first().waitFor();
  assert.equal(await cards.count(), routes.items.length);
  const first = cards.first();
  assert.equal(await first.getAttribute('data-method'), 'estimate', 'the demo has no street graph');
  assert.equal((await first.getByTestId('fact-climb').innerText()).trim(), '—', 'estimates carry no climb');
  assert.ok((await first.getByTestId('fact-total').innerText()).length > 0);
  assert.ok((await page.getByTestId('method-legend').innerText()).includes(zhCN.study.method.explain.estimate));

  // ----- one route: map with numbered stops and leg lines, stop list with legs
  const title = (await first.getByTestId('route-link').innerText()).trim();
  const route = routes.items.find((r) => r.title === title)!;
  await first.getByTestId('route-link').click();
  await page.waitForURL(new RegExp(`/study/routes/${route.id}$`));
  assert.equal(await page.getByTestId('route-title').innerText(), route.title);
  await waitForMapLoaded(page, 'route-map');
  assert.equal(await page.getByTestId('route-map').locator('.study-stop-badge').count(), route.stops.length, 'a numbered marker per stop');
  assert.equal(await page.getByTestId('stop').count(), route.stops.length);
  assert.equal(await page.getByTestId('leg').count(), route.stops.length - 1, 'a walk between each two stops');
  assert.equal(await page.getByTestId('route-edit-link').count(), 0, 'parents do not edit routes');

  // ----- the printable A4 sheet: the map as an image, the timetable, the note
  await page.getByTestId('route-print-link').click();
  await page.waitForURL(new RegExp(`/study/routes/${route.id}/print$`));
  await page.locator('[data-testid="route-sheet"][data-map-ready="true"]').waitFor();
  const img = page.getByTestId('sheet-map');
  assert.match((await img.getAttribute('src')) ?? '', /^data:image\/png;base64,/);
  assert.ok(await img.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth > 0), 'the map image decoded');
  assert.equal(await page.locator('.study-sheet-badge').count(), route.stops.length);
  assert.equal(await page.getByTestId('sheet-row').count(), route.stops.length);
  assert.equal(await page.getByTestId('sheet-title').innerText(), route.title);
  assert.equal(await page.getByTestId('sheet-note').innerText(), zhCN.study.illustrativeNote);
  const firstRow = (await page.getByTestId('sheet-row').first().innerText()).trim();
  assert.ok(firstRow.includes('09:00'), `the first stop starts at the default 09:00: ${firstRow}`);
  assert.ok(
    await page.evaluate(() => [...document.querySelectorAll('style')].some((s) => /@page\s*\{\s*size:\s*A4/.test(s.textContent ?? ''))),
    'the sheet asks for A4 pages',
  );
  assert.ok(await page.getByTestId('print-button').isVisible());
  await page.emulateMedia({ media: 'print' });
  assert.equal(await page.getByTestId('print-button').isVisible(), false, 'the toolbar is not printed');
  await screenshot(page, 'route-print.png');
  // What "Save as PDF" gives: A4 pages from the sheet's own @page rule.
  await page.pdf({ path: join(RESULTS, 'route-print.pdf'), preferCSSPageSize: true, printBackground: true });
  const pdf = readFileSync(join(RESULTS, 'route-print.pdf'), 'latin1');
  assert.ok(pdf.startsWith('%PDF'));
  const pages = pdf.match(/\/Type\s*\/Page[^s]/g)?.length ?? 0;
  assert.ok(pages >= 1 && pages <= 2, `the sheet prints on one or two A4 pages (got ${pages})`);
  const box = /\/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]/.exec(pdf);
  assert.ok(box, 'the PDF has a media box');
  assert.deepEqual([Math.round(Number(box[1])), Math.round(Number(box[2]))], [595, 842], `A4 is 595 × 842 pt (got ${box[1]} × ${box[2]})`);
  await page.emulateMedia({ media: 'screen' });
  assertClean(w);
});

test('a school requests a group visit at 枇杷山书院 (retrying on the same key) and its venue manager accepts it within capacity', { timeout: TEST_TIMEOUT_MS }, async () => {
  const school = await signedIn('school.admin', 'home-organisation');
  const sp = school.page;
  const map = await getJson<MapAnswer>(sp, '/api/study/map');
  const venue = map.features.find((f) => f.properties.name === VENUE);
  assert.ok(venue, `${VENUE} is on the study map`);
  const offers = await getJson<{ items: { id: string; name: string; capacity: number | null; serviceType: string }[] }>(
    sp,
    `/api/directory/services?organisationId=${venue.properties.id}&serviceType=study_tour`,
  );
  assert.equal(offers.items.length, 1, `${VENUE} has one study-tour offer`);
  const offer = offers.items[0];
  assert.ok(offer.capacity && offer.capacity >= 30, `the offer has a capacity (${offer.capacity})`);

  // Find the base in the list, then show it on the map with its card.
  await sp.getByRole('navigation').getByRole('link', { name: zhCN.study.nav.map }).click();
  await waitForMapLoaded(sp, 'study-map');
  await sp.getByTestId('view-list').click();
  await sp.getByTestId('base-search').fill(VENUE);
  assert.equal(await sp.getByTestId('base-row').count(), 1);
  await sp.getByTestId('base-row').getByRole('button', { name: zhCN.study.map.showOnMap }).click();
  await sp.locator('[data-testid="base-card"]').waitFor();
  assert.equal(await sp.getByTestId('base-card').getAttribute('data-base-id'), venue.properties.id);
  assert.ok(await sp.getByTestId('study-map').isVisible(), 'back on the map');
  assert.ok((await sp.getByTestId('base-card').innerText()).includes(offer.name), 'the card lists the offer');

  // The request form; the first answer is lost on the way back (the server did take it), the retry reuses the key.
  await sp.getByTestId('request-visit').click();
  const date = visitDateAhead(7);
  await sp.getByTestId('visit-offer').selectOption(offer.id);
  await sp.getByTestId('visit-date').fill(date);
  await sp.getByTestId('visit-size').fill('30');
  await sp.getByTestId('visit-note').fill('三年级两个班');
  const keys: string[] = [];
  let dropped = false;
  await sp.route('**/api/study/visit-requests', async (route) => {
    keys.push(route.request().headers()['idempotency-key'] ?? '');
    if (dropped) return route.continue();
    dropped = true;
    await route.fetch(); // the server stores the request …
    await route.abort('connectionreset'); // … but the answer never reaches the page
  });
  await sp.getByTestId('visit-submit').click();
  const formError = sp.getByTestId('visit-form').getByTestId('error');
  await formError.waitFor();
  assert.equal((await formError.innerText()).split('\n')[0], zhCN.errors.network_error);
  await sp.getByTestId('visit-submit').click();
  await sp.getByTestId('visit-sent').waitFor();
  await sp.unroute('**/api/study/visit-requests');
  assert.equal(keys.length, 2);
  assert.ok(keys[0].length >= 8, 'an Idempotency-Key was sent');
  assert.equal(keys[1], keys[0], 'the retry sent the same key');
  await screenshot(sp, 'study-map.png');

  const mine = await getJson<{ items: VisitAnswer[] }>(sp, '/api/study/visit-requests');
  const ours = mine.items.filter((v) => v.venue.name === VENUE);
  assert.equal(ours.length, 1, 'one request, not two');
  assert.equal(ours[0].status, 'pending');
  assert.equal(ours[0].groupSize, 30);

  // A second, larger group the same day (sent through the API): more than the places left once the first is accepted.
  const session = await getJson<{ csrfToken: string; roles: { role: string; scopeId: string }[] }>(sp, '/api/auth/session');
  const schoolId = session.roles.find((r) => r.role === 'school_admin')!.scopeId;
  const second = await sp.request.post(`${baseUrl}/api/study/visit-requests`, {
    headers: { 'x-csrf-token': session.csrfToken, 'idempotency-key': `e2e-second-${ours[0].id}` },
    data: { serviceId: offer.id, schoolId, visitDate: date, groupSize: 20, note: null },
  });
  assert.equal(second.status(), 201);

  // School staff see their requests with their status.
  await sp.getByRole('navigation').getByRole('link', { name: zhCN.study.nav.visits }).click();
  await sp.getByTestId('visits-mine').waitFor();
  assert.deepEqual(await sp.getByTestId('visit-mine').evaluateAll((els) => els.map((e) => e.getAttribute('data-status'))), ['pending', 'pending']);

  // ----- the venue manager
  const base = await signedIn('venue.manager', 'home-organisation');
  const bp = base.page;
  await bp.getByRole('navigation').getByRole('link', { name: zhCN.study.nav.visits }).click();
  await bp.getByTestId('visits-incoming').waitFor();
  assert.equal(await bp.getByTestId('visits-mine').count(), 0, 'a venue has no requests of its own');
  const incoming = bp.getByTestId('visit-incoming');
  assert.equal(await incoming.count(), 2);
  const first = incoming.filter({ hasText: '三年级两个班' });
  assert.equal(
    (await first.getByTestId('visit-capacity').innerText()).trim(),
    fill(zhCN.study.visits.capacity, { date, capacity: offer.capacity, taken: 0, left: offer.capacity }),
  );
  await first.getByTestId('visit-decision-note').fill('欢迎，请提前十分钟到达');
  await first.getByTestId('visit-accept').click();
  await bp.locator('[data-testid="visit-incoming"][data-status="accepted"]').waitFor();

  // The second group no longer fits: the page says so before and after trying.
  const left = offer.capacity - 30;
  const over = bp.locator('[data-testid="visit-incoming"][data-status="pending"]');
  await over.getByTestId('visit-over-capacity').waitFor();
  assert.equal(
    (await over.getByTestId('visit-capacity').innerText()).trim(),
    fill(zhCN.study.visits.capacity, { date, capacity: offer.capacity, taken: 30, left }),
  );
  await over.getByTestId('visit-accept').click();
  const refusal = over.locator('[data-error="capacity_exceeded"]');
  await refusal.waitFor();
  const refusalText = await refusal.innerText();
  assert.ok(refusalText.includes(zhCN.study.errors.capacity_exceeded), refusalText);
  assert.ok(
    refusalText.includes(fill(zhCN.study.visits.capacityDetail, { date, capacity: offer.capacity, taken: 30, left, size: 20 })),
    `the refusal says how many places are left: ${refusalText}`,
  );
  assert.equal(await over.getAttribute('data-status'), 'pending', 'still pending');
  await screenshot(bp, 'visit-accepted.png');

  // The school sees the acceptance with the base's reply.
  await sp.reload();
  await waitOrExplain(sp, '[data-testid="visit-mine"][data-status="accepted"]');
  assert.ok((await sp.locator('[data-testid="visit-mine"][data-status="accepted"]').innerText()).includes('欢迎，请提前十分钟到达'));
  assertClean(school);
  assertClean(base);
});

test('district staff compose a route in the editor, reorder its stops, save it with computed walks and publish it', { timeout: TEST_TIMEOUT_MS }, async () => {
  const w = await signedIn('district.admin', 'home-district');
  const { page } = w;
  await page.goto(`${baseUrl}/study/routes`);
  await page.getByTestId('route-new').click();
  await page.waitForURL(/\/study\/routes\/new$/);
  await waitForMapLoaded(page, 'picker-map');
  await page.getByTestId('editor-title').fill('测试线路：书院与博物馆');
  await page.getByTestId('editor-theme').selectOption('heritage');
  for (const name of [VENUE, '巴渝文化博物馆']) {
    await page.getByTestId('picker-search').fill(name);
    await page.getByTestId('picker-item').filter({ hasText: name }).first().getByTestId('picker-add').click();
  }
  assert.deepEqual(
    (await page.getByTestId('editor-stop').locator('strong').allInnerTexts()).map((s) => s.trim()),
    [VENUE, '巴渝文化博物馆'],
  );
  await page.getByTestId('editor-stop').nth(1).getByTestId('editor-up').click();
  assert.deepEqual(
    (await page.getByTestId('editor-stop').locator('strong').allInnerTexts()).map((s) => s.trim()),
    ['巴渝文化博物馆', VENUE],
    'moved up',
  );
  assert.equal(await page.getByTestId('picker-map').locator('.study-stop-badge').count(), 2, 'the chosen stops are numbered on the map');
  await page.getByTestId('editor-stop').nth(0).getByTestId('editor-dwell').fill('45');
  await page.getByTestId('editor-save').click();
  const saved = page.getByTestId('editor-saved');
  await saved.waitFor();
  await page.waitForURL(/\/study\/routes\/[0-9a-f-]{36}\/edit$/);
  assert.equal(await saved.getByTestId('leg').count(), 1, 'the saved route shows its computed walk');
  assert.equal(await page.getByTestId('route-status').getAttribute('data-status'), 'draft');
  const id = /\/study\/routes\/([0-9a-f-]{36})\/edit$/.exec(page.url())![1];
  const stored = await getJson<Omit<RouteAnswer, 'stops'> & { stops: { name: string; dwellMinutes: number }[] }>(page, `/api/study/routes/${id}`);
  assert.deepEqual(
    stored.stops.map((s) => [s.name, s.dwellMinutes]),
    [
      ['巴渝文化博物馆', 45],
      [VENUE, 30],
    ],
  );

  await page.getByTestId('route-set-published').click();
  await page.locator('[data-testid="route-set-draft"]').waitFor(); // offered once published
  assert.equal(await page.getByTestId('route-status').count(), 0, 'a published route carries no status chip');
  assert.equal((await getJson<RouteAnswer>(page, `/api/study/routes/${id}`)).status, 'published');
  assertClean(w);
});
