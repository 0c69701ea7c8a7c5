/**
 * Browser test: the directory import page (/directory/import). District staff upload a GB18030 CSV as Excel in China
 * saves it, see the row-by-row report (a swapped latitude/longitude in Chinese), import the valid rows only, and the
 * new venue is in the directory. Exports and templates download.
 *
 *   node --import tsx --test e2e/directory-import.e2e.ts
 *
 * Server, web build and browser come from ./support.ts (fresh PGlite with the Yuzhong demo). Screenshots go to
 * test-results/.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import iconv from 'iconv-lite';
import { assertClean, baseUrl, openPage, PASSWORD, screenshot, signIn, startEnvironment, stopEnvironment, TEST_TIMEOUT_MS } from './support.ts';

before(startEnvironment);
after(stopEnvironment);

const HEADER = '外部编号,名称,类型,所属社区,地址,经度,纬度,坐标系,基地类别,开放时间,服务名称,服务类型,最小年龄,最大年龄,容量,是否需预约';
const GOOD = 'E2E-001,浏览器测试科技馆,场馆基地,领事巷社区,测试路 1 号,106.578,29.5575,GCJ-02,科学普及,周二至周日 09:00-17:00,周末亲子科学实验,活动,6,12,30,是';
const SWAPPED = 'E2E-002,坐标填反的场馆,场馆基地,领事巷社区,测试路 2 号,29.5575,106.578,GCJ-02,美育艺术,周末 09:00-12:00,,,,,,';

test('district staff check a GB18030 CSV, read the problems, import the valid rows only', { timeout: TEST_TIMEOUT_MS }, async () => {
  const watched = await openPage();
  const { page } = watched;
  await page.goto(`${baseUrl}/sign-in`);
  await signIn(page, 'district.admin', PASSWORD);
  await page.getByRole('link', { name: '名录导入' }).first().click();
  await page.getByRole('heading', { name: '名录导入与导出' }).waitFor();

  const template = await page.request.get(`${baseUrl}/api/directory/import-template?format=xlsx`);
  assert.equal(template.status(), 200);
  assert.match(template.headers()['content-disposition'] ?? '', /directory-import-template\.xlsx/);

  await page.getByTestId('import-file').setInputFiles({ name: '场馆名录.csv', mimeType: 'text/csv', buffer: iconv.encode(`${HEADER}\r\n${GOOD}\r\n${SWAPPED}\r\n`, 'gb18030') });
  await page.getByTestId('import-check').click();
  await page.getByTestId('import-report').waitFor();
  const problems = page.getByTestId('import-problems');
  await problems.waitFor();
  const problemText = await problems.innerText();
  assert.match(problemText, /3/);
  assert.match(problemText, /经度和纬度似乎填反了/);
  assert.match(await page.getByTestId('import-report').innerText(), /gb18030/);
  await screenshot(page, 'directory-import-report.png');

  page.once('dialog', (dialog) => void dialog.accept());
  await page.getByTestId('import-valid-only').click();
  await page.getByText('导入完成：新增 1 行').waitFor();
  await screenshot(page, 'directory-import-done.png');

  const services = await page.request.get(`${baseUrl}/api/directory/services?q=${encodeURIComponent('周末亲子科学实验')}`);
  const found = (await services.json()) as { items: { organisation: { name: string } }[] };
  assert.ok(found.items.some((s) => s.organisation.name === '浏览器测试科技馆'));
  const exported = await page.request.get(`${baseUrl}/api/directory/export?format=csv`);
  assert.equal(exported.status(), 200);
  assert.match(await exported.text(), /浏览器测试科技馆/);
  assertClean(watched);
});
