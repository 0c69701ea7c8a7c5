import { Readable } from 'node:stream';
import { AppError } from '../errors.ts';
import type { ByteRange, ObjectStorage } from './storage.ts';

/** What the database knows about a stored file: enough to answer without asking the store first. */
export interface StoredFile {
  key: string;
  contentType: string;
  byteSize: number;
  sha256: string;
  fileName: string;
}

/**
 * Parses a Range header against a size (RFC 9110 §14): one `bytes=` range (`a-b`, `a-`, `-n`). Returns null to
 * serve the whole file (no header, several ranges, a syntax we do not take — all allowed by the RFC), or
 * 'unsatisfiable' for a range wholly past the end (416).
 */
export function parseRange(header: string | null | undefined, size: number): ByteRange | null | 'unsatisfiable' {
  if (!header) return null;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === '' && match[2] === '')) return null;
  if (match[1] === '') {
    const suffix = Number(match[2]);
    if (suffix === 0) return 'unsatisfiable';
    return size === 0 ? 'unsatisfiable' : { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(match[1]);
  const end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  if (match[2] !== '' && Number(match[2]) < start) return null; // invalid: ignored, whole file
  if (start >= size) return 'unsatisfiable';
  return { start, end };
}

function etagMatches(header: string, etag: string): boolean {
  return header
    .split(',')
    .map((part) => part.trim().replace(/^W\//, ''))
    .some((part) => part === '*' || part === etag);
}

/** A Content-Disposition value that carries a Chinese file name (RFC 6266 / 5987) with an ASCII fallback. */
export function contentDisposition(kind: 'inline' | 'attachment', fileName: string): string {
  let ascii = fileName.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  // A name with no ASCII letters or digits before its extension reads better as "download.ext" for old clients.
  if (!/[A-Za-z0-9]/.test(ascii.replace(/\.[A-Za-z0-9]{1,5}$/, ''))) ascii = `download${/\.[A-Za-z0-9]{1,5}$/.exec(fileName)?.[0] ?? ''}`;
  return `${kind}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(fileName)}`;
}

/**
 * Answers a GET (or HEAD) for a stored file, after the caller has checked access: strong ETag from the content hash
 * (304 on If-None-Match), byte ranges for seeking in video and audio (206, or 416 past the end; If-Range honoured),
 * the stored Content-Type and an exact Content-Length, and a body streamed from the store, never buffered whole.
 */
export async function storedFileResponse(
  request: Request,
  storage: ObjectStorage,
  file: StoredFile,
  options: { disposition: 'inline' | 'attachment' },
): Promise<Response> {
  const etag = `"${file.sha256}"`;
  const common: Record<string, string> = {
    etag,
    'accept-ranges': 'bytes',
    // Private: every read is access-checked; revalidate so a revoked access is noticed (the ETag makes it cheap).
    'cache-control': 'private, no-cache',
    'content-disposition': contentDisposition(options.disposition, file.fileName),
  };
  const ifNoneMatch = request.headers.get('if-none-match');
  if (ifNoneMatch && etagMatches(ifNoneMatch, etag)) return new Response(null, { status: 304, headers: common });

  const ifRange = request.headers.get('if-range');
  let range = ifRange && ifRange.trim() !== etag ? null : parseRange(request.headers.get('range'), file.byteSize);
  if (range === 'unsatisfiable') return new Response(null, { status: 416, headers: { ...common, 'content-range': `bytes */${file.byteSize}` } });
  if (range && range.start === 0 && range.end === file.byteSize - 1) range = null;

  const type = /^text\//.test(file.contentType) ? `${file.contentType}; charset=utf-8` : file.contentType;
  const length = range ? range.end - range.start + 1 : file.byteSize;
  const headers: Record<string, string> = { ...common, 'content-type': type, 'content-length': String(length) };
  if (range) headers['content-range'] = `bytes ${range.start}-${range.end}/${file.byteSize}`;
  if (request.method === 'HEAD') return new Response(null, { status: range ? 206 : 200, headers });

  const stream = file.byteSize === 0 ? Readable.from([]) : await storage.read(file.key, range ?? undefined);
  if (!stream) throw new AppError('not_found', 'The file is missing from storage.');
  return new Response(Readable.toWeb(stream) as ReadableStream, { status: range ? 206 : 200, headers });
}
