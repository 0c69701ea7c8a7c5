import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import PDFDocument from 'pdfkit';

/**
 * The Smart Parent Growth Handbook as a print-ready A4 PDF. Chinese text is set in Noto Sans (Simplified Chinese,
 * SIL Open Font License) from the npm package @embedpdf/fonts-sc, embedded as a subset: no system font, no network.
 */
const require = createRequire(import.meta.url);
let fonts: { regular: Buffer; bold: Buffer } | null = null;

function loadFonts() {
  if (!fonts) {
    const dir = path.join(path.dirname(require.resolve('@embedpdf/fonts-sc')), '..', 'fonts');
    fonts = { regular: fs.readFileSync(path.join(dir, 'NotoSansHans-Regular.otf')), bold: fs.readFileSync(path.join(dir, 'NotoSansHans-Bold.otf')) };
  }
  return fonts;
}

export interface HandbookForPdf {
  family: { name: string; guardians: string[]; children: { displayName: string; schoolName: string | null; grade: string | null }[] };
  term: { name: string; starts_on: string; ends_on: string };
  generatedOn: string;
  points: { earned: number; redeemed: number; balance: number; homeActivity: number; attendance: number; childRating: number };
  classesAttended: { heldOn: string; kind: string; title: string; schoolName: string; attendee: string }[];
  activities: { nameZh: string; times: number; points: number }[];
  ratings: { nameZh: string; ratings: number; average: number }[];
  weeksRated: number;
  badges: { nameZh: string; descriptionZh: string }[];
}

const KIND_ZH: Record<string, string> = { parent_meeting: '家长会', parent_class: '家长课堂', open_day: '校园开放日', volunteer_duty: '志愿服务' };
const GREEN = '#2f6f5e';
const GOLD = '#f2b84b';
const GREY = '#6b6b6b';

export function renderHandbookPdf(book: HandbookForPdf): Promise<Buffer> {
  const { regular, bold } = loadFonts();
  const doc = new PDFDocument({
    size: 'A4',
    margin: 48,
    info: { Title: `智慧家长成长手册 · ${book.family.name} · ${book.term.name}`, Author: '共育圈 CoEdu Circle', Subject: 'Smart Parent Growth Handbook' },
  });
  doc.registerFont('zh', regular);
  doc.registerFont('zh-bold', bold);
  const chunks: Buffer[] = [];
  doc.on('data', (chunk) => chunks.push(chunk));
  const done = new Promise<Buffer>((resolve) => doc.on('end', () => resolve(Buffer.concat(chunks))));

  const left = doc.page.margins.left;
  const width = doc.page.width - left - doc.page.margins.right;
  const bottom = doc.page.height - doc.page.margins.bottom;
  const ensure = (height: number) => {
    if (doc.y + height > bottom) doc.addPage();
  };
  const heading = (text: string) => {
    ensure(60);
    doc.moveDown(0.8);
    const y = doc.y;
    doc.rect(left, y + 3, 4, 16).fill(GREEN);
    doc.font('zh-bold').fontSize(14).fillColor(GREEN).text(text, left + 12, y, { width: width - 12 });
    doc.moveDown(0.4);
    doc.fillColor('#222222');
  };
  const empty = (text: string) => doc.font('zh').fontSize(10).fillColor(GREY).text(text, left, doc.y, { width }).fillColor('#222222');

  // Title band
  doc.rect(0, 0, doc.page.width, 118).fill(GREEN);
  doc.circle(doc.page.width - 70, 58, 30).fill(GOLD);
  doc.font('zh-bold').fontSize(24).fillColor('#ffffff').text('智慧家长成长手册', left, 34, { width });
  doc.font('zh').fontSize(11).fillColor('#e8f1ee').text(`Smart Parent Growth Handbook · ${book.term.name}（${book.term.starts_on} 至 ${book.term.ends_on}）`, left, 70, { width: width - 80 });
  doc.y = 140;
  doc.fillColor('#222222');

  doc.font('zh-bold').fontSize(16).text(book.family.name, left, doc.y, { width });
  doc.font('zh').fontSize(10).fillColor(GREY).text(`家长：${book.family.guardians.join('、') || '—'}`, { width });
  const kids = book.family.children.map((c) => [c.displayName, c.schoolName, c.grade].filter(Boolean).join(' · ')).join('；');
  doc.text(`孩子：${kids || '—'}`, { width });
  doc.fillColor('#222222');

  // Points boxes
  doc.moveDown(0.8);
  const boxes: [string, number][] = [
    ['本学期获得积分', book.points.earned],
    ['在家陪伴', book.points.homeActivity],
    ['在校陪伴', book.points.attendance],
    ['孩子评价', book.points.childRating],
    ['已兑换', book.points.redeemed],
    ['当前余额', book.points.balance],
  ];
  const boxW = (width - 5 * 8) / 6;
  const top = doc.y;
  boxes.forEach(([label, value], i) => {
    const x = left + i * (boxW + 8);
    doc.roundedRect(x, top, boxW, 56, 6).fillAndStroke(i === 0 ? '#e8f1ee' : '#f7f7f4', '#d9e4df');
    doc.font('zh-bold').fontSize(18).fillColor(GREEN).text(String(value), x, top + 8, { width: boxW, align: 'center' });
    doc.font('zh').fontSize(9).fillColor(GREY).text(label, x, top + 34, { width: boxW, align: 'center' });
  });
  doc.y = top + 66;
  doc.fillColor('#222222');

  heading('成长徽章');
  if (book.badges.length === 0) empty('本学期还没有徽章：坚持陪伴，徽章会自己来。');
  for (const badge of book.badges) {
    ensure(24);
    const y = doc.y;
    doc.circle(left + 7, y + 7, 6).fill(GOLD);
    doc.font('zh-bold').fontSize(11).fillColor('#222222').text(badge.nameZh, left + 20, y, { width: 110 });
    doc.font('zh').fontSize(10).fillColor(GREY).text(badge.descriptionZh, left + 130, y + 1, { width: width - 130 });
    doc.y = Math.max(doc.y, y + 18);
  }
  doc.fillColor('#222222');

  heading('在校陪伴：参加的学校活动');
  if (book.classesAttended.length === 0) empty('本学期暂无记录。');
  for (const a of book.classesAttended) {
    ensure(18);
    const y = doc.y;
    doc.font('zh').fontSize(10).fillColor('#222222').text(a.heldOn, left, y, { width: 80 });
    doc.text(KIND_ZH[a.kind] ?? a.kind, left + 80, y, { width: 70 });
    doc.text(`${a.title}（${a.schoolName}）`, left + 150, y, { width: width - 250 });
    doc.fillColor(GREY).text(a.attendee, left + width - 100, y, { width: 100, align: 'right' });
    doc.y = Math.max(doc.y, y + 16);
  }
  doc.fillColor('#222222');

  heading('在家陪伴：亲子活动');
  if (book.activities.length === 0) empty('本学期暂无记录。');
  const maxTimes = Math.max(1, ...book.activities.map((a) => a.times));
  for (const a of book.activities) {
    ensure(18);
    const y = doc.y;
    doc.font('zh').fontSize(10).fillColor('#222222').text(a.nameZh, left, y, { width: 150 });
    const barW = ((width - 260) * a.times) / maxTimes;
    doc.rect(left + 155, y + 3, Math.max(2, barW), 9).fill('#8fc1b0');
    doc.fillColor(GREY).font('zh').fontSize(9).text(`${a.times} 次 · ${a.points} 分`, left + width - 95, y + 1, { width: 95, align: 'right' });
    doc.y = y + 17;
  }
  doc.fillColor('#222222');

  heading('孩子眼中的陪伴（每周评价汇总）');
  if (book.ratings.length === 0) empty('孩子本学期还没有评价。');
  else {
    doc.font('zh').fontSize(9).fillColor(GREY).text(`孩子们在 ${book.weeksRated} 周里给出评价；分值 1 = 有时做到，2 = 经常做到，3 = 一直做到。这里只有平均值，没有某一次的评价。`, left, doc.y, { width });
    doc.moveDown(0.3);
  }
  for (const r of book.ratings) {
    ensure(18);
    const y = doc.y;
    doc.font('zh').fontSize(10).fillColor('#222222').text(r.nameZh, left, y, { width: 150 });
    const full = width - 260;
    doc.rect(left + 155, y + 3, full, 9).fill('#eeeeea');
    doc.rect(left + 155, y + 3, (full * r.average) / 3, 9).fill(GOLD);
    doc.fillColor(GREY).fontSize(9).text(`平均 ${r.average.toFixed(1)} · ${r.ratings} 次`, left + width - 95, y + 1, { width: 95, align: 'right' });
    doc.y = y + 17;
  }

  ensure(40);
  doc.moveDown(1.5);
  doc.font('zh').fontSize(8).fillColor(GREY).text(`共育圈 · 家庭积分银行 生成于 ${book.generatedOn}。积分来自家长记录的在家陪伴、学校登记的在校活动与孩子的每周评价；不用于家庭之间的排名。`, left, doc.y, { width });
  doc.end();
  return done;
}
