import type { LibraryMediaKind } from './classes.tables.ts';

/**
 * The media types the course library takes, and how each is recognised from its first bytes. The declared
 * Content-Type of an upload must be one of these and the bytes must match it: a renamed executable or an HTML page
 * sent as "video/mp4" is refused. HTML and SVG are never accepted (they would run script on our origin).
 */
const TYPES: Record<string, { kind: LibraryMediaKind; canonical: string; matches: (b: Uint8Array) => boolean; extension: string }> = {
  'video/mp4': { kind: 'video', canonical: 'video/mp4', matches: (b) => isFtyp(b) && !isAudioBrand(b), extension: 'mp4' },
  'video/webm': { kind: 'video', canonical: 'video/webm', matches: (b) => starts(b, [0x1a, 0x45, 0xdf, 0xa3]), extension: 'webm' },
  'audio/mpeg': { kind: 'audio', canonical: 'audio/mpeg', matches: (b) => starts(b, [0x49, 0x44, 0x33]) || (b.length > 1 && b[0] === 0xff && (b[1]! & 0xe0) === 0xe0), extension: 'mp3' },
  'audio/mp4': { kind: 'audio', canonical: 'audio/mp4', matches: isFtyp, extension: 'm4a' },
  'audio/x-m4a': { kind: 'audio', canonical: 'audio/mp4', matches: isFtyp, extension: 'm4a' },
  'audio/wav': { kind: 'audio', canonical: 'audio/wav', matches: isWave, extension: 'wav' },
  'audio/wave': { kind: 'audio', canonical: 'audio/wav', matches: isWave, extension: 'wav' },
  'audio/x-wav': { kind: 'audio', canonical: 'audio/wav', matches: isWave, extension: 'wav' },
  'audio/ogg': { kind: 'audio', canonical: 'audio/ogg', matches: (b) => ascii(b, 0, 4) === 'OggS', extension: 'ogg' },
  'audio/webm': { kind: 'audio', canonical: 'audio/webm', matches: (b) => starts(b, [0x1a, 0x45, 0xdf, 0xa3]), extension: 'weba' },
  'application/pdf': { kind: 'document', canonical: 'application/pdf', matches: (b) => ascii(b, 0, 5) === '%PDF-', extension: 'pdf' },
  'text/markdown': { kind: 'article', canonical: 'text/markdown', matches: isUtf8Text, extension: 'md' },
  'text/plain': { kind: 'article', canonical: 'text/plain', matches: isUtf8Text, extension: 'txt' },
};

/** The Content-Types the upload endpoint accepts (parameters such as "; charset=utf-8" are ignored). */
export const LIBRARY_UPLOAD_TYPES = Object.keys(TYPES);

function starts(b: Uint8Array, bytes: number[]) {
  return b.length >= bytes.length && bytes.every((x, i) => b[i] === x);
}
function ascii(b: Uint8Array, from: number, to: number) {
  return b.length >= to ? String.fromCharCode(...b.subarray(from, to)) : '';
}
function isFtyp(b: Uint8Array) {
  return ascii(b, 4, 8) === 'ftyp';
}
function isAudioBrand(b: Uint8Array) {
  return ['M4A ', 'M4B ', 'M4P '].includes(ascii(b, 8, 12));
}
function isWave(b: Uint8Array) {
  return ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 12) === 'WAVE';
}
function isUtf8Text(b: Uint8Array) {
  if (b.includes(0)) return false;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(b);
    return true;
  } catch {
    return false;
  }
}

/** The declared type without parameters, lower-cased; null when the library does not take it. */
export function libraryType(declared: string | undefined | null) {
  const base = (declared ?? '').split(';')[0]!.trim().toLowerCase();
  const type = TYPES[base];
  return type ? { declared: base, ...type } : null;
}

/** Whether the bytes are what the (accepted) declared type says. */
export function bytesMatch(declared: string, bytes: Uint8Array): boolean {
  return TYPES[declared]?.matches(bytes) ?? false;
}
