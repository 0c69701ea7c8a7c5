import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Kysely } from 'kysely';
import PDFDocument from 'pdfkit';
import type { DB } from '../db/types.ts';
import { LibraryService } from '../modules/classes/library.service.ts';
import type { ObjectStorage } from '../storage/storage.ts';

/**
 * Tiny demo files for a handful of the demo library entries, made by us (no download, nothing copied): a 6-second
 * demo video (`data/library/demo-video.webm`, 37 KB, made by scripts/make-demo-video.sh with ffmpeg, since no video
 * encoder runs in Node), and generated here at seed time a WAV of three soft tones, two Markdown articles and a
 * one-page PDF worksheet. Everything says "演示" (demo): they show playback, reading, download and progress, not real
 * course content.
 */

/** A mono 16-bit PCM WAV: three notes (C5, E5, G5), two seconds each, with fades so there are no clicks. */
export function demoToneWav(sampleRate = 8000): Buffer {
  const notes = [523.25, 659.25, 783.99];
  const perNote = sampleRate * 2;
  const samples = perNote * notes.length;
  const wav = Buffer.alloc(44 + samples * 2);
  wav.write('RIFF', 0, 'ascii');
  wav.writeUInt32LE(36 + samples * 2, 4);
  wav.write('WAVE', 8, 'ascii');
  wav.write('fmt ', 12, 'ascii');
  wav.writeUInt32LE(16, 16);
  wav.writeUInt16LE(1, 20); // PCM
  wav.writeUInt16LE(1, 22); // mono
  wav.writeUInt32LE(sampleRate, 24);
  wav.writeUInt32LE(sampleRate * 2, 28);
  wav.writeUInt16LE(2, 32);
  wav.writeUInt16LE(16, 34);
  wav.write('data', 36, 'ascii');
  wav.writeUInt32LE(samples * 2, 40);
  for (let i = 0; i < samples; i++) {
    const note = notes[Math.floor(i / perNote)]!;
    const t = (i % perNote) / sampleRate;
    const envelope = Math.min(1, t / 0.05, (2 - t) / 0.3);
    wav.writeInt16LE(Math.round(Math.sin(2 * Math.PI * note * t) * envelope * 0.3 * 32767), 44 + i * 2);
  }
  return wav;
}

export const DEMO_ARTICLE_BEDTIME = `# （演示）睡前十分钟：和孩子聊聊今天

> 演示文章：共育圈课程库的示例内容，用来展示“阅读—记录进度—完成”的流程，不是正式课程。

## 为什么是睡前十分钟

一天里最安静的时候，孩子更愿意说心里话。十分钟不长，但天天都有，比周末一次长谈更能让孩子知道：
爸爸妈妈愿意听。

## 三个好用的问题

1. 今天最开心的一件事是什么？
2. 今天有没有哪一刻觉得有点难？
3. 明天有什么想试一试的？

## 家长可以怎么回应

- 先复述孩子的话，再说自己的看法。
- 少问“为什么”，多问“后来呢”。
- 孩子不想说时，说说你自己的今天。

## 一周小练习

连续五天，每天睡前问一个问题，把孩子的回答记在本子上。周末和孩子一起翻一翻。

（本文为演示内容。）
`;

export const DEMO_ARTICLE_EMOTIONS = `# （演示）情绪温度计：帮孩子说出感受

> 演示文章：共育圈课程库的示例内容，不是正式课程。

孩子发脾气时，往往是还说不出自己怎么了。“情绪温度计”把感受分成五格：平静、有点烦、生气、很生气、
快爆炸了。

## 做一张温度计

和孩子一起画一支温度计，五格各涂一种颜色，每格写上孩子自己的说法。

## 怎么用

- 情绪来的时候，先问：“你现在在第几格？”
- 说出来的格数，本身就是一次冷静。
- 等降到第二格以下，再谈刚才发生了什么。

（本文为演示内容。）
`;

const require = createRequire(import.meta.url);

/** The demo video, committed (see scripts/make-demo-video.sh). */
export const DEMO_VIDEO = path.join(import.meta.dirname, 'data', 'library', 'demo-video.webm');

/** A one-page A4 worksheet in Chinese (Noto Sans SC from @embedpdf/fonts-sc, embedded as a subset). */
export function demoWorksheetPdf(): Promise<Buffer> {
  const fontDir = path.join(path.dirname(require.resolve('@embedpdf/fonts-sc')), '..', 'fonts');
  const doc = new PDFDocument({ size: 'A4', margin: 56, info: { Title: '（演示）家庭屏幕时间约定表', Author: '共育圈 CoEdu Circle（演示）', CreationDate: new Date('2026-01-01T00:00:00Z') } as unknown as Record<string, string> });
  doc.registerFont('zh', fs.readFileSync(path.join(fontDir, 'NotoSansHans-Regular.otf')));
  doc.registerFont('zh-bold', fs.readFileSync(path.join(fontDir, 'NotoSansHans-Bold.otf')));
  const chunks: Buffer[] = [];
  doc.on('data', (chunk) => chunks.push(chunk));
  const done = new Promise<Buffer>((resolve) => doc.on('end', () => resolve(Buffer.concat(chunks))));
  const left = doc.page.margins.left;
  const width = doc.page.width - left - doc.page.margins.right;
  doc.font('zh-bold').fontSize(20).fillColor('#2f6f5e').text('（演示）家庭屏幕时间约定表', left, 60, { width });
  doc.font('zh').fontSize(10).fillColor('#6b6b6b').text('共育圈课程库演示文档：展示“下载文档—标记完成”，不是正式课程材料。', { width });
  doc.moveDown(1).fillColor('#222222').fontSize(12);
  const rows = ['上学日每天屏幕时间', '周末每天屏幕时间', '不用屏幕的时间和地点', '全家一起的无屏幕活动', '做到了怎么庆祝', '没做到怎么办'];
  let y = doc.y + 8;
  for (const row of rows) {
    doc.rect(left, y, width, 44).lineWidth(0.8).strokeColor('#9bb8ae').stroke();
    doc.font('zh').fontSize(12).fillColor('#222222').text(row, left + 10, y + 14, { width: 180 });
    y += 52;
  }
  doc.font('zh').fontSize(11).text('孩子签名：__________　　家长签名：__________　　日期：__________', left, y + 20, { width });
  doc.end();
  return done;
}

/** Which demo entries get which file (external ids of the 2,520 demo entries; see yuzhong-classes.ts). */
export async function demoLibraryFiles(): Promise<{ externalId: string; contentType: string; fileName: string; bytes: Buffer }[]> {
  return [
    // 家庭教育 · 必修 · 小学低段 (6–9): a micro-lesson as video, a lecture as audio, an illustrated article
    { externalId: 'demo:library:0321', contentType: 'video/webm', fileName: '（演示）共育圈课程视频', bytes: fs.readFileSync(DEMO_VIDEO) },
    { externalId: 'demo:library:0331', contentType: 'audio/wav', fileName: '（演示）三个音的小练习', bytes: demoToneWav() },
    { externalId: 'demo:library:0341', contentType: 'text/markdown', fileName: '（演示）睡前十分钟', bytes: Buffer.from(DEMO_ARTICLE_BEDTIME, 'utf8') },
    // 家庭教育 · 必修 · 小学 (6–12): a case study as a PDF worksheet
    { externalId: 'demo:library:0551', contentType: 'application/pdf', fileName: '（演示）家庭屏幕时间约定表', bytes: await demoWorksheetPdf() },
    // 心理健康 · 理念 · 小学高段 (9–12): an article
    { externalId: 'demo:library:1781', contentType: 'text/markdown', fileName: '（演示）情绪温度计', bytes: Buffer.from(DEMO_ARTICLE_EMOTIONS, 'utf8') },
  ];
}

const SEED_KEY = 'seed:yuzhong-library-files:v1';

/**
 * Attaches the demo files to their demo entries once (idempotent; skipped when the demo library is not there).
 * Files go through the library's own upload checks and into the configured storage.
 */
export async function seedLibraryDemoFiles(db: Kysely<DB>, storage: ObjectStorage): Promise<boolean> {
  if (await db.selectFrom('app_meta').select('key').where('key', '=', SEED_KEY).executeTakeFirst()) return false;
  const files = await demoLibraryFiles();
  const courses = await db.selectFrom('class_courses').select(['id', 'external_id']).where('external_id', 'in', files.map((f) => f.externalId)).execute();
  if (courses.length !== files.length) return false;
  const library = new LibraryService(db, storage, { libraryMaxBytes: Number.MAX_SAFE_INTEGER });
  for (const file of files) {
    const course = courses.find((c) => c.external_id === file.externalId)!;
    await library.attachDemoFile(course.id, file);
  }
  await db.insertInto('app_meta').values({ key: SEED_KEY, value: JSON.stringify({ seededAt: new Date().toISOString(), files: files.length }) }).onConflict((oc) => oc.column('key').doNothing()).execute();
  return true;
}
