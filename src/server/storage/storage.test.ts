import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { startS3Server } from '../../../test/support/s3-server.ts';
import { loadConfig } from '../config.ts';
import { AppError } from '../errors.ts';
import { createStorage } from './index.ts';
import { LocalStorage } from './local.ts';
import { S3Storage } from './s3.ts';
import { contentDisposition, parseRange, storedFileResponse, type StoredFile } from './serve.ts';
import { assertStorageKey, type ObjectStorage } from './storage.ts';

async function text(stream: Readable | null): Promise<string> {
  assert.ok(stream, 'the object exists');
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks).toString('utf8');
}

const payload = Buffer.from('0123456789abcdefghij共育圈'); // 20 ASCII bytes + 9 UTF-8 bytes
const file = (key: string): StoredFile => ({ key, contentType: 'audio/wav', byteSize: payload.length, sha256: createHash('sha256').update(payload).digest('hex'), fileName: '演示 tone.wav' });
const get = (headers: Record<string, string> = {}, method = 'GET') => new Request('http://x/f', { method, headers });

const backends: { name: string; open: () => Promise<{ storage: ObjectStorage; close: () => Promise<void> }> }[] = [
  {
    name: 'local directory',
    open: async () => {
      const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'coedu-storage-'));
      return { storage: new LocalStorage(dir), close: () => fs.rm(dir, { recursive: true, force: true }) };
    },
  },
  {
    name: 'S3-compatible (s3rver over HTTP, AWS SDK)',
    open: async () => {
      const server = await startS3Server();
      const storage = new S3Storage(server.settings);
      return {
        storage,
        close: async () => {
          storage.close();
          await server.close();
        },
      };
    },
  },
];

for (const backend of backends) {
  describe(`object storage: ${backend.name}`, () => {
    let storage: ObjectStorage;
    let close: () => Promise<void>;
    before(async () => {
      ({ storage, close } = await backend.open());
    });
    after(() => close());

    it('puts, sizes, reads whole and by range, replaces, deletes', async () => {
      assert.equal(await storage.size('library/ab/one'), null);
      assert.equal(await storage.read('library/ab/one'), null);
      await storage.put('library/ab/one', payload, 'audio/wav');
      assert.equal(await storage.size('library/ab/one'), payload.length);
      assert.equal(await text(await storage.read('library/ab/one')), payload.toString('utf8'));
      assert.equal(await text(await storage.read('library/ab/one', { start: 2, end: 5 })), '2345');
      assert.equal(await text(await storage.read('library/ab/one', { start: 19, end: 19 })), 'j');
      await storage.put('library/ab/one', Buffer.from('new'), 'text/plain');
      assert.equal(await text(await storage.read('library/ab/one')), 'new');
      await storage.delete('library/ab/one');
      assert.equal(await storage.size('library/ab/one'), null);
      await storage.delete('library/ab/one'); // deleting nothing is fine
    });

    it('refuses keys that could leave the store', async () => {
      for (const bad of ['../etc/passwd', 'a/../../b', '/abs', 'a//b', 'A/b', 'a\\b', 'a/./b', '', 'a/..', 'a/ b', 'a/%2e%2e/b']) {
        await assert.rejects(() => storage.put(bad, payload, 'text/plain'), /Invalid storage key/, bad);
        await assert.rejects(() => storage.read(bad), /Invalid storage key/, bad);
      }
    });

    it('serves files over HTTP semantics: 200, ranges (206/416), ETag 304, HEAD, missing', async () => {
      await storage.put('library/cd/tone', payload, 'audio/wav');
      const f = file('library/cd/tone');
      const full = await storedFileResponse(get(), storage, f, { disposition: 'inline' });
      assert.equal(full.status, 200);
      assert.equal(full.headers.get('content-length'), String(payload.length));
      assert.equal(full.headers.get('content-type'), 'audio/wav');
      assert.equal(full.headers.get('accept-ranges'), 'bytes');
      assert.equal(full.headers.get('etag'), `"${f.sha256}"`);
      assert.match(full.headers.get('content-disposition')!, /^inline; filename="__ tone.wav"; filename\*=UTF-8''%E6%BC%94%E7%A4%BA%20tone.wav$/);
      assert.deepEqual(Buffer.from(await full.arrayBuffer()), payload);

      const part = await storedFileResponse(get({ range: 'bytes=10-13' }), storage, f, { disposition: 'inline' });
      assert.equal(part.status, 206);
      assert.equal(part.headers.get('content-range'), `bytes 10-13/${payload.length}`);
      assert.equal(part.headers.get('content-length'), '4');
      assert.equal(await part.text(), 'abcd');
      const tail = await storedFileResponse(get({ range: 'bytes=-9' }), storage, f, { disposition: 'inline' });
      assert.equal(tail.status, 206);
      assert.equal(await tail.text(), '共育圈');
      const open = await storedFileResponse(get({ range: 'bytes=18-' }), storage, f, { disposition: 'inline' });
      assert.equal(open.headers.get('content-range'), `bytes 18-${payload.length - 1}/${payload.length}`);
      const past = await storedFileResponse(get({ range: `bytes=${payload.length}-` }), storage, f, { disposition: 'inline' });
      assert.equal(past.status, 416);
      assert.equal(past.headers.get('content-range'), `bytes */${payload.length}`);
      const stale = await storedFileResponse(get({ range: 'bytes=0-1', 'if-range': '"other"' }), storage, f, { disposition: 'inline' });
      assert.equal(stale.status, 200, 'If-Range with another ETag: the whole new file');
      await stale.arrayBuffer();
      const cached = await storedFileResponse(get({ 'if-none-match': `W/"x", "${f.sha256}"` }), storage, f, { disposition: 'inline' });
      assert.equal(cached.status, 304);
      assert.equal(await cached.text(), '');
      const head = await storedFileResponse(get({ range: 'bytes=0-3' }, 'HEAD'), storage, f, { disposition: 'attachment' });
      assert.equal(head.status, 206);
      assert.equal(head.headers.get('content-length'), '4');
      await assert.rejects(
        () => storedFileResponse(get(), storage, file('library/cd/gone'), { disposition: 'inline' }),
        (error: unknown) => error instanceof AppError && error.id === 'not_found',
      );
    });
  });
}

describe('byte ranges and keys', () => {
  it('parses single ranges and ignores what the RFC lets a server ignore', () => {
    assert.deepEqual(parseRange('bytes=0-0', 10), { start: 0, end: 0 });
    assert.deepEqual(parseRange('bytes=5-100', 10), { start: 5, end: 9 });
    assert.deepEqual(parseRange('bytes=-3', 10), { start: 7, end: 9 });
    assert.deepEqual(parseRange('bytes=-30', 10), { start: 0, end: 9 });
    assert.equal(parseRange('bytes=10-', 10), 'unsatisfiable');
    assert.equal(parseRange('bytes=-0', 10), 'unsatisfiable');
    assert.equal(parseRange('bytes=0-1,3-4', 10), null);
    assert.equal(parseRange('bytes=5-2', 10), null);
    assert.equal(parseRange('items=0-1', 10), null);
    assert.equal(parseRange(undefined, 10), null);
  });

  it('accepts plain keys', () => {
    assert.equal(assertStorageKey('points/photos/5f/a.jpg'), 'points/photos/5f/a.jpg');
  });

  it('names downloads in Chinese with an ASCII fallback', () => {
    assert.equal(contentDisposition('attachment', '（演示）屏幕时间.pdf'), `attachment; filename="download.pdf"; filename*=UTF-8''${encodeURIComponent('（演示）屏幕时间.pdf')}`);
    assert.equal(contentDisposition('inline', 'a "b".md'), `inline; filename="a _b_.md"; filename*=UTF-8''a%20%22b%22.md`);
  });

  it('is configured from the environment: local by default, S3 with its settings, refused when incomplete', () => {
    const local = loadConfig({ COEDU_DATA_DIR: '/srv/coedu' });
    assert.deepEqual(local.storage, { kind: 'local', dir: '/srv/coedu/files' });
    assert.equal(createStorage(local).kind, 'local');
    const s3 = loadConfig({ COEDU_STORAGE: 's3', COEDU_S3_ENDPOINT: 'http://minio:9000', COEDU_S3_BUCKET: 'coedu', COEDU_S3_ACCESS_KEY_ID: 'k', COEDU_S3_SECRET_ACCESS_KEY: 's', COEDU_S3_FORCE_PATH_STYLE: 'false', COEDU_S3_PREFIX: 'prod/' });
    assert.deepEqual(s3.storage, { kind: 's3', endpoint: 'http://minio:9000', region: 'us-east-1', bucket: 'coedu', accessKeyId: 'k', secretAccessKey: 's', forcePathStyle: false, prefix: 'prod/' });
    assert.throws(() => loadConfig({ COEDU_STORAGE: 's3', COEDU_S3_BUCKET: 'coedu' }), /COEDU_S3_ACCESS_KEY_ID, COEDU_S3_SECRET_ACCESS_KEY/);
    assert.throws(() => loadConfig({ COEDU_STORAGE: 'ftp' }), /COEDU_STORAGE/);
    assert.throws(() => loadConfig({ COEDU_S3_PREFIX: '../x' }), /COEDU_S3_PREFIX/);
  });
});
