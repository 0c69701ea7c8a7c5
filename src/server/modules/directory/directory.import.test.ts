import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import { describeEachDatabase } from '../../../../test/support/databases.ts';
import { buildTestApp, TestClient, type TestApp } from '../../../../test/support/http.ts';
import { buildWorld, tableCounts, type World } from '../../../../test/support/world.ts';
import { runExportHsds, runImportVenues } from './import.cli.ts';
import { formatOpeningHours, neutraliseCell, parseCsv, parseOpeningHours, unneutraliseCell } from './import.format.ts';

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const HEADER = ['外部编号', '名称', '类型', '所属社区', '地址', '经度', '纬度', '坐标系', '基地类别', '主体类型', '授牌类型', '联系电话', '网址', '开放时间', '服务名称', '服务类型', '最小年龄', '最大年龄', '是否免费', '容量', '是否需预约'];

function csv(rows: (string | number)[][]): string {
  return rows.map((row) => row.map((v) => (/[",\r\n]/.test(String(v)) ? `"${String(v).replace(/"/g, '""')}"` : String(v))).join(',')).join('\r\n') + '\r\n';
}

function venueRow(id: string, overrides: Partial<Record<(typeof HEADER)[number], string | number>> = {}): (string | number)[] {
  const base: Record<string, string | number> = {
    外部编号: id,
    名称: `导入场馆${id}`,
    类型: '场馆基地',
    所属社区: '一号社区',
    地址: '测试路 1 号',
    经度: 106.55,
    纬度: 29.55,
    坐标系: 'WGS-84',
    基地类别: '科学普及；美育艺术',
    主体类型: '科技场馆与科研院所',
    授牌类型: '协同育人基地',
    联系电话: '023-63001234',
    网址: 'www.example.org',
    开放时间: '周二至周日 09:00-17:00',
    服务名称: '周末亲子科学实验',
    服务类型: '活动',
    最小年龄: 6,
    最大年龄: 12,
    是否免费: '是',
    容量: 30,
    是否需预约: '是',
    ...overrides,
  };
  return HEADER.map((h) => base[h]!);
}

/** Sends raw bytes as the request body, with the signed-in client's cookie and CSRF token. */
async function upload(app: TestApp, client: TestClient, body: Uint8Array | string, query: string, contentType = 'text/csv') {
  const headers: Record<string, string> = { 'content-type': contentType };
  if (client.cookie) headers.cookie = client.cookie;
  if (client.csrfToken) headers['x-csrf-token'] = client.csrfToken;
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : Buffer.from(body);
  headers['content-length'] = String(bytes.byteLength);
  const response = await app.request(`/api/directory/imports${query ? `?${query}` : ''}`, { method: 'POST', headers, body: bytes });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

async function download(app: TestApp, client: TestClient, path: string) {
  const response = await app.request(path, { headers: client.cookie ? { cookie: client.cookie } : {} });
  return { status: response.status, headers: response.headers, bytes: new Uint8Array(await response.arrayBuffer()) };
}

describe('import format helpers', () => {
  it('opening hours: syntax variants parse, and the canonical text parses back to the same hours', () => {
    assert.deepEqual(parseOpeningHours('周二至周日 09:00-17:00')!.map((h) => h.weekday), [2, 3, 4, 5, 6, 7]);
    assert.deepEqual(parseOpeningHours('周一至周五 08:00-12:00,14:00-17:30；周六 9:00-12:00')!.length, 11);
    assert.deepEqual(parseOpeningHours('Tue-Sun 09:00-17:00'), parseOpeningHours('周二-周日 09:00～17:00'));
    assert.deepEqual(parseOpeningHours('工作日 ０８：００-１７：００')!.map((h) => h.weekday), [1, 2, 3, 4, 5]);
    assert.deepEqual(parseOpeningHours('周五至周一 10:00-16:00')!.map((h) => h.weekday), [1, 5, 6, 7]);
    assert.deepEqual(parseOpeningHours('每天 09:00-21:00')!.length, 7);
    assert.deepEqual(parseOpeningHours(''), []);
    for (const bad of ['周八 09:00-17:00', '周一 17:00-09:00', '周一 25:00-26:00', '全天开放', '周一 0900-1700']) assert.equal(parseOpeningHours(bad), null, bad);
    const hours = parseOpeningHours('周一、周三 09:00-12:00；周二至周日 14:00-17:00')!;
    assert.equal(formatOpeningHours(hours), '周一 09:00-12:00；周二、周四至周日 14:00-17:00；周三 09:00-12:00,14:00-17:00');
    assert.deepEqual(parseOpeningHours(formatOpeningHours(hours)), hours);
  });

  it('formula injection: = + - @ tab CR get a leading apostrophe, which the import strips again', () => {
    for (const value of ["=cmd|' /C calc'!A0", '+86 23 6300', '-1+2', '@SUM(A1)', '\tx', '\rx']) {
      assert.equal(neutraliseCell(value), `'${value}`);
      assert.equal(unneutraliseCell(neutraliseCell(value)), value);
    }
    assert.equal(neutraliseCell('-12.5'), '-12.5', 'plain numbers stay numbers');
    assert.equal(neutraliseCell('科技馆'), '科技馆');
  });

  it('CSV: quotes, doubled quotes, line breaks in quotes; row numbers count records as a spreadsheet does', () => {
    const records = parseCsv('a,b\r\n"x, y","say ""hi"""\n\n"two\nlines",z\n');
    assert.deepEqual(records.map((r) => r.line), [1, 2, 3, 4]);
    assert.deepEqual(records[1]!.cells, ['x, y', 'say "hi"']);
    assert.deepEqual(records[3]!.cells, ['two\nlines', 'z']);
    assert.deepEqual(parseCsv('a\tb\n1\t2\n')[1]!.cells, ['1', '2']);
  });
});

describeEachDatabase('directory import and export', (fixture) => {
  let app: TestApp;
  let world: World;
  let admin: TestClient;

  before(async () => {
    const { db, database, config } = fixture();
    world = await buildWorld(db);
    app = buildTestApp(database, config);
    admin = await TestClient.signedIn(app, world.users.districtAdmin.login, world.users.districtAdmin.password);
  });

  it('dry run reports, writes nothing; the import creates organisations, places and offers, versioned and audited; the same file again changes nothing', async () => {
    const { db } = fixture();
    const file = csv([HEADER, venueRow('T-001'), venueRow('T-002', { 所属社区: '二号社区居民委员会', 坐标系: 'gcj02', 经度: 106.56, 纬度: 29.56 }), venueRow('T-003', { 服务名称: '', 服务类型: '', 最小年龄: '', 最大年龄: '', 是否免费: '', 容量: '', 是否需预约: '' })]);
    const before = await tableCounts(db);
    const dry = await upload(app, admin, file, '');
    assert.equal(dry.status, 200, JSON.stringify(dry.body));
    assert.equal(dry.body.dryRun, true);
    assert.equal(dry.body.committed, false);
    assert.deepEqual(dry.body.summary, { rows: 3, valid: 3, invalid: 0, create: 3, update: 0, unchanged: 0, written: 0 });
    assert.deepEqual(dry.body.rows.map((r: { line: number }) => r.line), [2, 3, 4]);
    assert.equal(dry.body.file.encoding, 'utf-8');
    assert.deepEqual(await tableCounts(db), before, 'a dry run writes nothing');

    const real = await upload(app, admin, file, 'dryRun=false&fileName=venues.csv');
    assert.equal(real.status, 200, JSON.stringify(real.body));
    assert.equal(real.body.committed, true);
    assert.deepEqual(real.body.entities, { organisations: { create: 3, update: 0, unchanged: 0 }, locations: { create: 3, update: 0, unchanged: 0 }, services: { create: 2, update: 0, unchanged: 0 } });
    const org = await db.selectFrom('organisations').selectAll().where('external_id', '=', 'T-002').executeTakeFirstOrThrow();
    assert.equal(org.kind, 'venue');
    assert.equal(org.division_code, world.community2);
    assert.equal(org.source_crs, 'GCJ-02');
    assert.ok(org.lon! < 106.56 && org.lon! > 106.55, 'GCJ-02 converted to WGS-84');
    assert.equal(org.website, 'https://www.example.org');
    const location = await db.selectFrom('locations').selectAll().where('external_id', '=', 'T-002:location').executeTakeFirstOrThrow();
    assert.equal((location.opening_hours as unknown[]).length, 6);
    const service = await db.selectFrom('services').selectAll().where('external_id', '=', 'T-002:offer').executeTakeFirstOrThrow();
    assert.equal(service.service_type, 'activity');
    assert.equal(service.min_age, 6);
    assert.equal(service.booking_required, true);
    const link = await db.selectFrom('service_at_location').selectAll().where('service_id', '=', service.id).execute();
    assert.deepEqual(link.map((l) => l.location_id), [location.id]);
    const terms = await db.selectFrom('attributes as a').innerJoin('taxonomy_terms as t', 't.id', 'a.term_id').select(['t.taxonomy_id', 't.code']).where('a.link_id', '=', org.id).orderBy('t.code').execute();
    assert.deepEqual(terms.map((t) => `${t.taxonomy_id}:${t.code}`).sort(), ['base_category:arts', 'base_category:science', 'designation:education_base', 'provider_kind:science']);
    const changes = await db.selectFrom('directory_changes').select(['entity_type', 'change', 'version', 'changed_by']).where('change', '=', 'import').execute();
    assert.equal(changes.length, 3 + 3 + 2);
    assert.ok(changes.every((c) => c.version === 1 && c.changed_by === world.users.districtAdmin.id));
    const audit = await db.selectFrom('audit_events').select(['action', 'detail', 'actor_user_id']).where('action', '=', 'directory.import').execute();
    assert.equal(audit.length, 1);
    assert.equal((audit[0]!.detail as { create: number }).create, 3);
    assert.equal((audit[0]!.detail as { fileName: string }).fileName, 'venues.csv');

    const again = await upload(app, admin, file, 'dryRun=false');
    assert.equal(again.status, 200);
    assert.deepEqual(again.body.summary, { rows: 3, valid: 3, invalid: 0, create: 0, update: 0, unchanged: 3, written: 0 });
    assert.equal((await db.selectFrom('directory_changes').select('id').where('change', '=', 'import').execute()).length, 8, 'no new versions');

    // A changed value is an update with a new version; the rest stays unchanged.
    const changed = await upload(app, admin, csv([HEADER, venueRow('T-001', { 容量: 40, 地址: '测试路 2 号' }), venueRow('T-003', { 服务名称: '', 服务类型: '', 最小年龄: '', 最大年龄: '', 是否免费: '', 容量: '', 是否需预约: '' })]), 'dryRun=false');
    assert.deepEqual(changed.body.summary, { rows: 2, valid: 2, invalid: 0, create: 0, update: 1, unchanged: 1, written: 3 });
    const updated = await db.selectFrom('services').select(['capacity', 'version']).where('external_id', '=', 'T-001:offer').executeTakeFirstOrThrow();
    assert.deepEqual(updated, { capacity: 40, version: 2 });
    const orgChanges = await db.selectFrom('directory_changes as c').innerJoin('organisations as o', 'o.id', 'c.entity_id').select(['c.version', 'c.changes']).where('o.external_id', '=', 'T-001').orderBy('c.version').execute();
    assert.deepEqual(orgChanges.map((c) => c.version), [1, 2]);
    assert.deepEqual(orgChanges[1]!.changes, { address: '测试路 2 号' });
  });

  it('encodings: UTF-8 with BOM, GB18030 (detected or named), UTF-16; the wrong encoding is refused with advice', async () => {
    const text = csv([HEADER, venueRow('ENC-1', { 名称: '渝中区青少年科技馆' })]);
    const bom = await upload(app, admin, '\uFEFF' + text, '');
    assert.equal(bom.status, 200, JSON.stringify(bom.body));
    assert.equal(bom.body.file.encoding, 'utf-8-bom');
    assert.equal(bom.body.summary.valid, 1);

    const gb = iconv.encode(text, 'gb18030');
    const detected = await upload(app, admin, gb, '');
    assert.equal(detected.status, 200, JSON.stringify(detected.body));
    assert.equal(detected.body.file.encoding, 'gb18030');
    assert.equal(detected.body.rows[0].name, '渝中区青少年科技馆');
    const named = await upload(app, admin, gb, 'encoding=gbk');
    assert.equal(named.body.rows[0].name, '渝中区青少年科技馆');

    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text.replace(/,/g, '\t'), 'utf16le')]);
    const unicodeText = await upload(app, admin, utf16, '', 'text/plain');
    assert.equal(unicodeText.status, 200, JSON.stringify(unicodeText.body));
    assert.equal(unicodeText.body.rows[0].name, '渝中区青少年科技馆');

    const forcedUtf8 = await upload(app, admin, gb, 'encoding=utf-8');
    assert.equal(forcedUtf8.status, 400);
    assert.equal(forcedUtf8.body.error, 'import_encoding_mismatch');
    assert.match(forcedUtf8.body.message, /encoding=gb18030/);
    const forcedGb = await upload(app, admin, text, 'encoding=gb18030');
    assert.equal(forcedGb.status, 400);
    assert.equal(forcedGb.body.error, 'import_encoding_mismatch');
    assert.match(forcedGb.body.message, /encoding=utf-8/);
  });

  it('XLSX: the first sheet, numbers and text cells, formulas read as their value, never run', async () => {
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet('数据');
    sheet.addRow(HEADER);
    sheet.addRow(venueRow('XL-1'));
    const row = sheet.addRow(venueRow('XL-2', { 所属社区: world.community1 }));
    row.getCell(20).value = { formula: '10*3', result: 30 } as never;
    sheet.addRow([]);
    sheet.addRow(venueRow('XL-3', { 开放时间: '' }));
    const bytes = new Uint8Array(await workbook.xlsx.writeBuffer());
    const report = await upload(app, admin, bytes, '', XLSX);
    assert.equal(report.status, 200, JSON.stringify(report.body));
    assert.equal(report.body.file.format, 'xlsx');
    assert.equal(report.body.file.sheet, '数据');
    assert.deepEqual(report.body.rows.map((r: { line: number }) => r.line), [2, 3, 5], 'spreadsheet row numbers, empty rows skipped');
    assert.equal(report.body.summary.valid, 3);
    const octet = await upload(app, admin, bytes, '', 'application/octet-stream');
    assert.equal(octet.body.file.format, 'xlsx');
  });

  it('bad rows: every problem with its row number, column and code; all-or-nothing refuses, valid-only imports the rest', async () => {
    const { db } = fixture();
    const rows = [
      HEADER,
      venueRow('BAD-OK'),
      venueRow('BAD-OK'), // duplicate external id
      venueRow('BAD-OUT', { 经度: 106.8, 纬度: 29.9 }),
      venueRow('BAD-SWAP', { 经度: 29.55, 纬度: 106.55 }),
      venueRow('BAD-CAT', { 基地类别: '占星术', 类型: '游乐场', 所属社区: '不存在社区' }),
      venueRow('BAD-NUM', { 经度: '东经106度', 容量: 0, 最小年龄: 12, 最大年龄: 6, 是否免费: '也许' }),
      venueRow('BAD-CRS', { 坐标系: '' }),
      venueRow('BAD-HRS', { 开放时间: '周一到周八 全天', 网址: 'ftp://x', 联系电话: 'call me' }),
      venueRow('', { 名称: '' }),
      venueRow('BAD-MOJ', { 名称: '测试\u0007名称' }),
    ];
    const report = await upload(app, admin, csv(rows), '');
    assert.equal(report.status, 200);
    assert.equal(report.body.summary.rows, 10);
    assert.equal(report.body.summary.valid, 1);
    assert.equal(report.body.summary.invalid, 9);
    const codes = (line: number) => report.body.problems.filter((p: { line: number }) => p.line === line).map((p: { field: string; code: string }) => `${p.field}:${p.code}`).sort();
    assert.deepEqual(codes(3), ['external_id:duplicate_key']);
    assert.deepEqual(codes(4), ['lon:outside_district']);
    assert.deepEqual(codes(5), ['lat:lat_lon_swapped']);
    assert.deepEqual(codes(6), ['base_categories:unknown_category', 'community:unknown_community', 'kind:unknown_kind']);
    assert.deepEqual(codes(7), ['age_max:age_range', 'capacity:out_of_range', 'free:bad_boolean', 'lon:not_a_number']);
    assert.deepEqual(codes(8), ['crs:crs_missing']);
    assert.deepEqual(codes(9), ['opening_hours:bad_opening_hours', 'phone:bad_phone', 'website:bad_url']);
    assert.deepEqual(codes(10), ['external_id:required', 'name:required']);
    assert.deepEqual(codes(11), ['name:bad_characters']);
    const swap = report.body.problems.find((p: { line: number }) => p.line === 5);
    assert.equal(swap.column, '纬度');
    assert.match(swap.messageZh, /填反/);
    assert.match(swap.message, /swapped/);

    const before = await tableCounts(db);
    const refused = await upload(app, admin, csv(rows), 'dryRun=false');
    assert.equal(refused.status, 422);
    assert.equal(refused.body.error, 'import_rows_invalid');
    assert.equal(refused.body.report.committed, false);
    assert.ok(refused.body.issues.length > 0);
    assert.deepEqual(await tableCounts(db), before, 'all or nothing: nothing written');

    const partial = await upload(app, admin, csv(rows), 'dryRun=false&mode=valid_only');
    assert.equal(partial.status, 200);
    assert.equal(partial.body.committed, true);
    assert.equal(partial.body.summary.create, 1);
    assert.ok(await db.selectFrom('organisations').select('id').where('external_id', '=', 'BAD-OK').executeTakeFirst());
    assert.equal(await db.selectFrom('organisations').select('id').where('external_id', '=', 'BAD-CRS').executeTakeFirst(), undefined);
  });

  it('import-wide crs option; several offers of one organisation; rows that disagree about it', async () => {
    const { db } = fixture();
    const header = [...HEADER, '服务编号'];
    const rows = [
      header,
      [...venueRow('MULTI', { 坐标系: '' }), 'MULTI:a'],
      [...venueRow('MULTI', { 坐标系: '', 服务名称: '研学参观', 服务类型: '研学' }), 'MULTI:b'],
    ];
    const report = await upload(app, admin, csv(rows), 'dryRun=false&crs=gcj02');
    assert.equal(report.status, 200, JSON.stringify(report.body));
    assert.deepEqual(report.body.entities.services, { create: 2, update: 0, unchanged: 0 });
    const org = await db.selectFrom('organisations').select(['id', 'source_crs']).where('external_id', '=', 'MULTI').executeTakeFirstOrThrow();
    assert.equal(org.source_crs, 'GCJ-02');
    assert.equal((await db.selectFrom('services').select('id').where('organisation_id', '=', org.id).execute()).length, 2);
    const conflicting = await upload(app, admin, csv([header, [...venueRow('MULTI2'), 'M2:a'], [...venueRow('MULTI2', { 名称: '别的名字' }), 'M2:b']]), '');
    assert.equal(conflicting.body.problems[0].code, 'conflicting_rows');
    assert.equal(conflicting.body.problems[0].line, 3);
    assert.equal((await upload(app, admin, csv(rows), 'crs=EPSG:3857')).status, 400);
  });

  it('file-level problems: missing columns, empty, too large, wrong media type, old .xls, broken xlsx; nothing is written', async () => {
    const { db } = fixture();
    const before = await tableCounts(db);
    const missing = await upload(app, admin, csv([['名称', '地址'], ['某馆', '某路']]), 'dryRun=false');
    assert.equal(missing.status, 400);
    assert.equal(missing.body.error, 'import_columns_missing');
    assert.deepEqual(missing.body.issues.map((i: { path: string }) => i.path), ['external_id', 'kind']);
    const english = await upload(app, admin, csv([['external_id', 'name', 'kind', 'community'], ['EN-1', 'English header venue', 'venue', world.community1]]), '');
    assert.equal(english.status, 200, 'English header aliases');
    assert.equal(english.body.summary.valid, 1);
    assert.equal((await upload(app, admin, '', '')).body.error, 'import_file_empty');
    assert.equal((await upload(app, admin, '\uFEFF\r\n\r\n', '')).body.error, 'import_file_empty');
    const json = await upload(app, admin, '{"rows": []}', '', 'application/json');
    assert.equal(json.status, 415);
    assert.equal(json.body.error, 'unsupported_media_type');
    const xls = await upload(app, admin, new Uint8Array([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0, 0]), '', 'application/vnd.ms-excel');
    assert.equal(xls.status, 415);
    assert.match(xls.body.message, /xlsx/);
    const broken = await upload(app, admin, new Uint8Array([0x50, 0x4b, 0x03, 0x04, 1, 2, 3, 4, 5, 6]), '', XLSX);
    assert.equal(broken.status, 400);
    assert.equal(broken.body.error, 'import_file_unreadable');
    const binary = await upload(app, admin, new Uint8Array([1, 0, 2, 0, 3, 0, 4]), '');
    assert.equal(binary.body.error, 'import_file_unreadable');

    // 50 MB is refused from the Content-Length header, before the body is read or parsed.
    const big = new Uint8Array(50 * 1024 * 1024);
    const tooLarge = await upload(app, admin, big, '');
    assert.equal(tooLarge.status, 413);
    assert.equal(tooLarge.body.error, 'payload_too_large');
    assert.match(tooLarge.body.message, /20 MB/);
    // The limit is configurable, and also holds for a body without Content-Length (streamed).
    const small = buildTestApp(fixture().database, { ...fixture().config, importMaxBytes: 1000 });
    const smallAdmin = await TestClient.signedIn(small, world.users.districtAdmin.login, world.users.districtAdmin.password);
    const stream = new ReadableStream({
      start(controller) {
        controller.enqueue(new Uint8Array(800).fill(65));
        controller.enqueue(new Uint8Array(800).fill(65));
        controller.close();
      },
    });
    const streamed = await small.request('/api/directory/imports', { method: 'POST', headers: { 'content-type': 'text/csv', cookie: smallAdmin.cookie!, 'x-csrf-token': smallAdmin.csrfToken!, 'transfer-encoding': 'chunked' }, body: stream, duplex: 'half' } as RequestInit);
    assert.equal(streamed.status, 413);
    assert.deepEqual(await tableCounts(db), before);
  });

  it('scope: a community admin imports parent schools and venues of their community only; other staff may not import', async () => {
    const { db } = fixture();
    const community = await TestClient.signedIn(app, world.users.communityAdmin1.login, world.users.communityAdmin1.password);
    const rows = [
      HEADER,
      venueRow('SC-OK'),
      venueRow('SC-SCHOOL', { 类型: '学校' }),
      venueRow('SC-OTHER', { 所属社区: '二号社区' }),
      venueRow('SC-NONE', { 所属社区: '' }),
    ];
    const report = await upload(app, community, csv(rows), 'dryRun=false&mode=valid_only');
    assert.equal(report.status, 200, JSON.stringify(report.body));
    assert.deepEqual(
      report.body.problems.map((p: { line: number; field: string; code: string }) => `${p.line}:${p.field}:${p.code}`),
      ['3:kind:out_of_scope', '4:community:out_of_scope', '5:community:out_of_scope'],
    );
    assert.equal(report.body.summary.create, 1);
    // An organisation of someone else's cannot be taken over by reusing its id.
    await db.updateTable('organisations').set({ external_id: 'SCHOOL-B' }).where('id', '=', world.orgs.schoolB.id).execute();
    const takeover = await upload(app, community, csv([HEADER, venueRow('SCHOOL-B')]), '');
    assert.equal(takeover.body.problems[0].code, 'out_of_scope');
    const venueManager = await TestClient.signedIn(app, world.users.venueManagerA.login, world.users.venueManagerA.password);
    assert.equal((await upload(app, venueManager, csv(rows), '')).status, 403);
    assert.equal((await upload(app, new TestClient(app), csv(rows), '')).status, 401);
    const parent = await TestClient.signedIn(app, world.users.parentA.login, world.users.parentA.password);
    assert.equal((await download(app, parent, '/api/directory/export?format=csv')).status, 403);
    const scoped = await download(app, community, '/api/directory/export?format=csv');
    const names = parseCsv(new TextDecoder().decode(scoped.bytes)).map((r) => r.cells[1]);
    assert.ok(names.includes('导入场馆SC-OK') && !names.includes('乙场馆'), 'community admins export their scope');
  });

  it('template: CSV with BOM and XLSX, Chinese headers, an example row that validates, the explanation, allowed values from the taxonomy', async () => {
    const csvTemplate = await download(app, admin, '/api/directory/import-template?format=csv');
    assert.equal(csvTemplate.status, 200);
    assert.match(csvTemplate.headers.get('content-disposition') ?? '', /attachment/);
    assert.deepEqual([...csvTemplate.bytes.slice(0, 3)], [0xef, 0xbb, 0xbf]);
    const text = new TextDecoder().decode(csvTemplate.bytes);
    assert.ok(text.includes('外部编号,名称,类型'));
    assert.ok(text.includes('爱国主义教育') && text.includes('新型文化空间') && text.includes('# 填写说明'));
    const csvCheck = await upload(app, admin, csvTemplate.bytes, '');
    assert.equal(csvCheck.status, 200, JSON.stringify(csvCheck.body));
    assert.deepEqual([csvCheck.body.summary.rows, csvCheck.body.summary.invalid], [1, 0], JSON.stringify(csvCheck.body.problems));

    const xlsxTemplate = await download(app, admin, '/api/directory/import-template?format=xlsx');
    assert.equal(xlsxTemplate.headers.get('content-type'), XLSX);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(Buffer.from(xlsxTemplate.bytes) as never);
    assert.deepEqual(workbook.worksheets.map((s) => s.name), ['机构与服务', '填写说明', '可选值']);
    const xlsxCheck = await upload(app, admin, xlsxTemplate.bytes, '', XLSX);
    assert.deepEqual([xlsxCheck.body.summary.rows, xlsxCheck.body.summary.invalid], [1, 0], JSON.stringify(xlsxCheck.body.problems));
  });

  it('export: CSV UTF-8 with BOM, CSV GB18030 and XLSX re-import as all unchanged; formula cells are neutralised', async () => {
    const { db } = fixture();
    const evil = "=cmd|' /C calc'!A0";
    const imported = await upload(app, admin, csv([HEADER, venueRow('EVIL', { 名称: evil, 地址: '@SUM(1+1)', 联系电话: '+86 23 6300 1234' })]), 'dryRun=false');
    assert.equal(imported.status, 200, JSON.stringify(imported.body));
    assert.equal((await db.selectFrom('organisations').select('name').where('external_id', '=', 'EVIL').executeTakeFirstOrThrow()).name, evil);

    const plain = await download(app, admin, '/api/directory/export?format=csv');
    assert.equal(plain.status, 200);
    assert.deepEqual([...plain.bytes.slice(0, 3)], [0xef, 0xbb, 0xbf]);
    const text = new TextDecoder().decode(plain.bytes);
    assert.ok(text.includes(`"'=cmd|' /C calc'!A0"`) || text.includes(`'=cmd|' /C calc'!A0`), 'formula neutralised');
    assert.ok(!/(^|,)=cmd/m.test(text) && text.includes("'@SUM(1+1)") && text.includes("'+86 23 6300 1234"));

    // Rows that came from imports come back unchanged; rows of organisations made elsewhere are valid.
    const importedKeys = new Set(
      (await db.selectFrom('organisations as o').innerJoin('directory_changes as c', 'c.entity_id', 'o.id').select('o.external_id').where('c.change', '=', 'import').execute()).map((o) => o.external_id),
    );
    for (const [format, type] of [['csv', 'text/csv'], ['csv-gb18030', 'text/csv'], ['xlsx', XLSX]] as const) {
      const file = await download(app, admin, `/api/directory/export?format=${format}`);
      assert.equal(file.status, 200, format);
      const report = await upload(app, admin, file.bytes, '', type);
      assert.equal(report.status, 200, `${format}: ${JSON.stringify(report.body)}`);
      assert.equal(report.body.summary.invalid, 0, `${format}: ${JSON.stringify(report.body.problems.slice(0, 3))}`);
      const fromImports = report.body.rows.filter((r: { externalId: string }) => importedKeys.has(r.externalId));
      assert.ok(fromImports.length > 5);
      assert.deepEqual([...new Set(fromImports.map((r: { action: string }) => r.action))], ['unchanged'], `${format}: ${JSON.stringify(fromImports.filter((r: { action: string }) => r.action !== 'unchanged').slice(0, 3))}`);
      if (format === 'csv-gb18030') assert.equal(report.body.file.encoding, 'gb18030');
    }
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(Buffer.from((await download(app, admin, '/api/directory/export?format=xlsx')).bytes) as never);
    const values: string[] = [];
    workbook.worksheets[0]!.eachRow((row) => row.eachCell((cell) => void values.push(String(cell.value))));
    assert.ok(values.includes(`'${evil}`) && !values.includes(evil));
    assert.equal((await download(app, admin, '/api/directory/export?format=pdf')).status, 400);
  });

  it('CLI: import venues prints the report as a table, acts as the district system; export hsds writes NDJSON per entity and the spreadsheets', async () => {
    const { db } = fixture();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'coedu-import-'));
    try {
      const file = path.join(dir, 'venues-gbk.csv');
      fs.writeFileSync(file, iconv.encode(csv([HEADER, venueRow('CLI-1', { 坐标系: '' }), venueRow('CLI-2', { 坐标系: '', 类型: '学校' })]), 'gb18030'));
      const output: string[] = [];
      const out = (text: string) => void output.push(text);
      assert.equal(await runImportVenues(db, ['venues', file, '--dry-run'], 1e8, out), 1, 'rows without a coordinate system');
      assert.match(output.join('\n'), /crs_missing/);
      output.length = 0;
      assert.equal(await runImportVenues(db, ['venues', file, '--crs', 'gcj02', '--encoding', 'gb18030'], 1e8, out), 0);
      assert.match(output.join('\n'), /imported: 2 rows created/);
      const audit = await db.selectFrom('audit_events').select(['actor_user_id', 'detail']).where('action', '=', 'directory.import').orderBy('id', 'desc').executeTakeFirstOrThrow();
      assert.equal(audit.actor_user_id, null);
      assert.equal((audit.detail as { via: string }).via, 'cli');
      assert.equal(await runImportVenues(db, ['venues', file, '--crs', 'mercator'], 1e8, out), 2);
      assert.equal(await runImportVenues(db, ['venues', file], 10, out), 1, 'over the size limit');
      assert.equal(await runImportVenues(db, ['venues', path.join(dir, 'missing.csv')], 1e8, out), 1);

      const exportDir = path.join(dir, 'out');
      assert.equal(await runExportHsds(db, ['hsds', '--out', exportDir], out), 0);
      const files = fs.readdirSync(exportDir).sort();
      assert.deepEqual(files, ['directory-gb18030.csv', 'directory.csv', 'directory.xlsx', 'locations.ndjson', 'organizations.ndjson', 'services.ndjson', 'taxonomies.ndjson', 'taxonomy_terms.ndjson']);
      const organizations = fs.readFileSync(path.join(exportDir, 'organizations.ndjson'), 'utf8').trim().split('\n').map((line) => JSON.parse(line));
      assert.ok(organizations.some((o: { name: string }) => o.name === '导入场馆CLI-1'));
      output.length = 0;
      assert.equal(await runImportVenues(db, ['venues', path.join(exportDir, 'directory-gb18030.csv'), '--dry-run'], 1e8, out), 0);
      assert.match(output.join('\n'), /every row is valid/);
      assert.equal(await runExportHsds(db, ['hsds'], out), 2, '--out is required');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
