/**
 * Browser test: walking times on the map (isochrone, route, catchments) and the district coverage page
 * (a run, coloured cells, chart, tables, suggested sites).
 *
 *   node --import tsx --test e2e/reach.e2e.ts
 *
 * The server, the web build and the browser are set up by ./support.ts. The Yuzhong demo has no street graph, so
 * every walking time here is an estimate, and the page must say so. Screenshots go to test-results/.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { zhCN } from '../web/src/i18n/zh-CN.ts';
import { assertClean, expectHeading, baseUrl, openPage, PASSWORD, screenshot, signIn, startEnvironment, stopEnvironment, TEST_TIMEOUT_MS, waitForMap, waitForMapLoaded } from './support.ts';

before(startEnvironment);
after(stopEnvironment);

/** "{{a}} and {{b}}" → "1 and 2". */
function fill(template: string, values: Record<string, string | number>): string {
  return template.replace(/\{\{(\w+)\}\}/g, (_, key: string) => String(values[key]));
}

async function reachStatus(page: Page): Promise<{ method: string; detourFactor: number; flatSpeedMps: number }> {
  const response = await page.request.get(`${baseUrl}/api/reach/status`);
  assert.equal(response.status(), 200);
  return (await response.json()) as { method: string; detourFactor: number; flatSpeedMps: number };
}

/** The explanation the page must show for the estimate mode, with the server's own factor and speed. */
function estimateExplanation(status: { detourFactor: number; flatSpeedMps: number }): string {
  const nf = new Intl.NumberFormat('zh-CN', { maximumFractionDigits: 2 });
  return fill(zhCN.reach.explain.estimate, { detour: nf.format(status.detourFactor), speed: nf.format(status.flatSpeedMps) });
}

test('a parent taps the map on a phone and sees the 5/10/15-minute walking bands, explained as an estimate', { timeout: TEST_TIMEOUT_MS }, async () => {
  const w = await openPage({ viewport: { width: 390, height: 844 }, hasTouch: true });
  const { page } = w;
  await page.goto(`${baseUrl}/sign-in`);
  await signIn(page, 'parent.demo', PASSWORD);
  await page.getByTestId('home-family').waitFor();
  await page.goto(`${baseUrl}/map`);
  await waitForMap(page);

  assert.equal(await page.getByTestId('reach-mode-isochrone').getAttribute('aria-pressed'), 'true', 'the isochrone mode is the default');
  const map = page.getByTestId('district-map');
  await map.tap(); // the middle of the map: inside the district

  // Three bands were drawn on the map (the attribute is set after the frame with them) and are explained in the panel.
  await page.locator('[data-testid="district-map"][data-drawn="isochrone:3"]').waitFor();
  const bands = page.getByTestId('iso-band');
  assert.deepEqual(
    (await bands.allInnerTexts()).map((s) => s.trim()),
    [5, 10, 15].map((m) => fill(zhCN.reach.band, { minutes: m })),
  );
  assert.equal(await map.locator('.map-badge-origin').count(), 1, 'a marker at the origin');
  const origin = (await page.getByTestId('iso-origin').innerText()).trim();
  assert.notEqual(origin, zhCN.reach.noOrigin, 'the panel names the tapped point');

  const status = await reachStatus(page);
  assert.equal(status.method, 'estimate', 'the demo has no street graph');
  const method = page.getByTestId('reach-method');
  assert.equal(await method.getAttribute('data-method'), 'estimate');
  const methodText = await method.innerText();
  assert.ok(methodText.includes(estimateExplanation(status)), `the estimate is explained with its factor and speed: ${methodText}`);
  assert.ok(methodText.includes(zhCN.reach.method.estimate));
  await screenshot(page, 'parent-isochrone.png');

  // Route: A, then B; climb is unknown in estimate mode.
  await page.getByTestId('reach-mode-route').tap();
  const box = (await map.boundingBox())!;
  await page.touchscreen.tap(box.x + box.width * 0.35, box.y + box.height * 0.45);
  await page.getByTestId('route-b').getByText(zhCN.reach.route.tapB).waitFor();
  await page.touchscreen.tap(box.x + box.width * 0.65, box.y + box.height * 0.55);
  await page.locator('[data-testid="district-map"][data-drawn="route:1"]').waitFor();
  const route = page.getByTestId('route-result');
  await route.waitFor();
  assert.match(await route.innerText(), new RegExp(fill(zhCN.reach.minutesValue, { value: '[\\d.]+' })));
  assert.equal((await page.getByTestId('route-climb').innerText()).trim(), '—');
  assert.equal(await map.locator('.map-badge-a').count(), 1, 'A is marked on the map');
  assert.equal(await map.locator('.map-badge-b').count(), 1, 'B is marked on the map');

  // Catchments of the community parent schools (the default kind), 15 minutes.
  await page.getByTestId('reach-mode-catchments').tap();
  await page.locator('[data-testid="district-map"][data-drawn^="catchments:"]:not([data-drawn="catchments:0"])').waitFor();
  await page.getByTestId('catchment-result').waitFor();
  assert.equal(await page.getByTestId('reach-method').getAttribute('data-method'), 'estimate');
  assertClean(w);
});

test('a district admin runs coverage, sees cells, chart and tables, and asks for three new sites', { timeout: TEST_TIMEOUT_MS }, async () => {
  const w = await openPage({ viewport: { width: 1280, height: 900 } });
  const { page } = w;
  await page.goto(`${baseUrl}/sign-in`);
  await signIn(page, 'district.admin', PASSWORD);
  await page.getByTestId('home-district').waitFor();
  await page.getByRole('navigation').getByRole('link', { name: zhCN.nav.coverage }).click();
  await page.waitForURL(/\/coverage$/);
  await expectHeading(page, zhCN.coverage.title);
  await page.getByTestId('no-runs').waitFor(); // a fresh database has no run yet

  // A run with 200 m cells (quick), 15 minutes, all kinds.
  await page.getByTestId('run-cell').fill('200');
  await page.getByTestId('run-submit').click();
  await page.getByTestId('run-summary').waitFor();
  assert.equal(await page.getByTestId('run-item').count(), 1);
  const runs = (await (await page.request.get(`${baseUrl}/api/reach/coverage-runs`)).json()) as {
    items: {
      cellM: number;
      cellCount: number;
      method: string;
      categories: string[];
      summary: { cells: number; byCategory: Record<string, { coveredCells: number }> };
      areaSummaries: { level: string }[];
    }[];
  };
  assert.equal(runs.items.length, 1);
  const run = runs.items[0];
  assert.equal(run.cellM, 200);
  assert.equal(run.method, 'estimate');
  assert.equal(await page.getByTestId('kind-stat').count(), run.categories.length, 'one figure per kind');
  const status = await reachStatus(page);
  assert.ok((await page.getByTestId('coverage-method').innerText()).includes(estimateExplanation(status)), 'the summary says it is an estimate');

  // The kind with the most cells still outside its 15 minutes: the one to plan new sites for (the demo data decide which).
  const [gapKind, uncovered] = run.categories
    .map((k) => [k, run.summary.cells - run.summary.byCategory[k].coveredCells] as const)
    .sort((a, b) => b[1] - a[1])[0];
  assert.ok(uncovered >= 10, `some kind leaves cells uncovered (${gapKind}: ${uncovered})`);

  // Cells on the map, coloured by the nearest organisation, then by minutes to that kind.
  await waitForMapLoaded(page, 'coverage-map');
  await page.locator(`[data-testid="coverage-map"][data-drawn="cells:${run.cellCount}"]`).waitFor();
  assert.equal(await page.getByTestId('cell-legend').locator('li').count(), 6, 'five minute classes and the method');
  await page.getByTestId('colour-by').selectOption(gapKind);
  await page.locator(`[data-testid="coverage-map"][data-drawn="cells:${run.cellCount}"]`).waitFor();

  // Chart (canvas) and the tables of illustrative areas.
  await page.locator('[data-testid="coverage-chart"][data-rendered="true"]').waitFor();
  assert.equal(await page.getByTestId('coverage-chart').locator('canvas').count(), 1);
  const subdistricts = run.areaSummaries.filter((a) => a.level === 'subdistrict').length;
  assert.ok(subdistricts > 0);
  assert.equal(await page.getByTestId('subdistrict-table').locator('tbody tr').count(), subdistricts);
  assert.equal((await page.getByTestId('areas-illustrative').innerText()).trim(), zhCN.coverage.areasIllustrative);
  assert.ok((await page.getByTestId('subdistrict-table').locator('caption').innerText()).includes(zhCN.reach.method.estimate));

  // Three suggested sites, numbered on the map, with coverage before → after.
  await page.getByTestId('gaps-kind').selectOption(gapKind);
  await page.getByTestId('gaps-k').fill('3');
  await page.getByTestId('gaps-submit').click();
  await page.getByTestId('gaps-result').waitFor();
  assert.equal(await page.getByTestId('gaps-pick').count(), 3);
  await page.locator('[data-testid="coverage-map"][data-picks="3"]').waitFor();
  assert.equal(await page.getByTestId('coverage-map').locator('.map-badge-pick').count(), 3);
  const share = await page.getByTestId('gaps-share').innerText();
  const [before, afterShare] = share.split('→').map((s) => Number.parseFloat(s.replace(/[^\d.]/g, '')));
  assert.ok(afterShare > before, `coverage grows: ${share}`);
  assert.ok((await page.getByTestId('gaps-result').innerText()).includes(zhCN.reach.method.estimate), 'the suggestion says it is an estimate');
  await screenshot(page, 'district-coverage.png');
  assertClean(w);
});
