/**
 * Browser test: the online course library. parent.demo opens the library, sees recommendations with reasons, lists
 * the entries that have files, plays the demo video, opens the demo audio entry and plays it with the native <audio> element from our own
 * storage (pause saves progress; the end completes it), reads the demo article and marks it done, and finds both
 * under the family's completions; the file answers byte ranges (what a player's seeking uses).
 *
 *   CI=true npx tsx scripts/test.ts e2e/library.e2e.ts
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { zhCN } from '../web/src/i18n/zh-CN.ts';
import { assertClean, baseUrl, openPage, PASSWORD, screenshot, signIn, startEnvironment, stopEnvironment, TEST_TIMEOUT_MS } from './support.ts';

before(startEnvironment);
after(stopEnvironment);

const lib = zhCN.classes.lib;

test('a parent plays a demo audio and reads a demo article from the library; progress and completion are kept', { timeout: TEST_TIMEOUT_MS }, async () => {
  const tab = await openPage({ viewport: { width: 390, height: 844 }, hasTouch: true });
  const page = tab.page;
  await page.goto(`${baseUrl}/sign-in`);
  await signIn(page, 'parent.demo', PASSWORD);
  await page.waitForURL(`${baseUrl}/`);

  await page.goto(`${baseUrl}/classes/library`);
  await page.getByRole('heading', { level: 2, name: lib.forYou }).waitFor();
  // The demo family's children are 7 and 10 this year (birth years 2019 and 2016): every reason states an age band.
  const firstReason = page.getByTestId('library-recommended').locator('.library-reason').first();
  await firstReason.waitFor();
  assert.match(await firstReason.innerText(), /^适合 \d+–\d+ 岁/);
  await page.getByTestId('library-continue').getByText(lib.continueNone).waitFor();

  await page.getByTestId('library-with-file').check();
  await page.getByTestId('library-total').filter({ hasText: '共 5 门' }).waitFor();

  // The demo video plays in the native <video> element from our own URL (6 s, VP8 WebM).
  await page.getByTestId('library').locator('li').filter({ hasText: lib.kinds.video }).getByRole('link').click();
  const video = page.getByTestId('library-video');
  await video.waitFor();
  assert.match((await video.getAttribute('src'))!, /^\/api\/classes\/library\/[0-9a-f-]{36}\/file$/);
  await video.evaluate(async (el: HTMLVideoElement) => {
    el.muted = true;
    await el.play();
  });
  await page.waitForFunction(() => (document.querySelector('[data-testid="library-video"]') as HTMLVideoElement).currentTime > 0.5);
  assert.ok(Math.abs((await video.evaluate((el: HTMLVideoElement) => el.duration)) - 6) < 0.2, 'a 6-second video');
  await video.evaluate((el: HTMLVideoElement) => el.pause());
  await page.getByTestId('library-progress').filter({ hasText: /进度已保存：\d+%/ }).waitFor();
  await screenshot(page, 'library-video.png');
  await page.goBack();
  await page.getByTestId('library-with-file').check();
  const audioCard = page.getByTestId('library').locator('li').filter({ hasText: lib.kinds.audio });
  await audioCard.getByRole('link').click();
  await page.getByTestId('library-demo-label').waitFor();
  const audio = page.getByTestId('library-audio');
  await audio.waitFor();
  const src = await audio.getAttribute('src');
  assert.match(src!, /^\/api\/classes\/library\/[0-9a-f-]{36}\/file$/, 'played from our own URL');

  // Seeking uses byte ranges: the same URL answers 206 with the asked bytes.
  const ranged = await page.request.get(`${baseUrl}${src}`, { headers: { range: 'bytes=0-11' } });
  assert.equal(ranged.status(), 206);
  const head = await ranged.body();
  assert.equal(head.length, 12);
  assert.equal(`${head.subarray(0, 4).toString('latin1')}…${head.subarray(8, 12).toString('latin1')}`, 'RIFF…WAVE');

  // Play (muted: no autoplay prompt in a headless browser), pause after a moment: progress is saved.
  await audio.evaluate(async (el: HTMLAudioElement) => {
    el.muted = true;
    await el.play();
  });
  await page.waitForFunction(() => (document.querySelector('[data-testid="library-audio"]') as HTMLAudioElement).currentTime > 1.5);
  await audio.evaluate((el: HTMLAudioElement) => el.pause());
  await page.getByTestId('library-progress').filter({ hasText: /进度已保存：\d+%/ }).waitFor();
  await screenshot(page, 'library-audio-progress.png');

  // Jump near the end and let it finish: completed.
  await audio.evaluate(async (el: HTMLAudioElement) => {
    el.currentTime = el.duration - 0.5;
    await el.play();
  });
  await page.getByTestId('library-progress').filter({ hasText: '已学完' }).waitFor();

  // The article: read in the page, then "I have finished it".
  await page.goto(`${baseUrl}/classes/library`);
  await page.getByTestId('library-with-file').check();
  await page.getByTestId('library').locator('li').filter({ hasText: lib.kinds.article }).first().getByRole('link').click();
  await page.getByTestId('library-article').getByRole('heading', { level: 2 }).waitFor();
  assert.match(await page.getByTestId('library-article').innerText(), /演示/);
  await page.getByTestId('library-progress').filter({ hasText: /进度已保存：10%/ }).waitFor();
  await page.getByTestId('library-mark-done').click();
  await page.getByTestId('library-progress').filter({ hasText: '已学完' }).waitFor();
  await screenshot(page, 'library-article-done.png');

  await page.goto(`${baseUrl}/classes/library`);
  await page.getByTestId('library-family-completed').filter({ hasText: '已学完 2 门资源' }).waitFor();
  const mine = (await (await page.request.get(`${baseUrl}/api/classes/library/mine`)).json()) as { completed: unknown[]; inProgress: unknown[] };
  assert.equal(mine.completed.length, 2);
  assert.equal(mine.inProgress.length, 1, 'the video, paused part-way');
  await page.getByTestId('library-continue').getByRole('link').first().waitFor();
  await screenshot(page, 'library-for-you.png');

  // The parent's home shows the same "continue" list (the video) and recommendations.
  await page.goto(`${baseUrl}/`);
  const learning = page.getByTestId('home-learning');
  await learning.getByTestId('library-continue').getByRole('link').first().waitFor();
  await learning.getByTestId('library-recommended').locator('.library-reason').first().waitFor();
  await screenshot(page, 'library-home.png');
  assertClean(tab);
});

test('centre staff give an entry without a file an article; it then reads in the page', { timeout: TEST_TIMEOUT_MS }, async () => {
  const tab = await openPage();
  const page = tab.page;
  await page.goto(`${baseUrl}/sign-in`);
  await signIn(page, 'centre.staff', PASSWORD);
  await page.waitForURL(`${baseUrl}/`);
  const list = (await (await page.request.get(`${baseUrl}/api/classes/courses?hasFile=false&q=${encodeURIComponent('案例')}&limit=1`)).json()) as { items: { id: string; title: string }[] };
  const entry = list.items[0]!;
  await page.goto(`${baseUrl}/classes/library/${entry.id}`);
  await page.getByTestId('library-no-file-notice').waitFor();
  await page.locator('input[type="file"]').setInputFiles({ name: '演示案例.md', mimeType: 'text/markdown', buffer: Buffer.from('# （演示）一个家庭的案例\n\n演示文章：上传后立即可读。\n', 'utf8') });
  await page.getByRole('button', { name: lib.upload, exact: true }).click();
  await page.getByTestId('library-article').getByRole('heading', { name: '（演示）一个家庭的案例' }).waitFor();
  // A file that is not what it says is refused with its reason, and the article stays.
  await page.locator('input[type="file"]').setInputFiles({ name: 'fake.pdf', mimeType: 'application/pdf', buffer: Buffer.from('not a pdf') });
  await page.getByRole('button', { name: lib.upload, exact: true }).click();
  await page.getByTestId('error').filter({ hasText: zhCN.classes.errors.library_file_mismatch }).waitFor();
  const course = (await (await page.request.get(`${baseUrl}/api/classes/courses/${entry.id}`)).json()) as { file: { mediaKind: string; demo: boolean } };
  assert.deepEqual([course.file.mediaKind, course.file.demo], ['article', false]);
  assertClean(tab);
});
