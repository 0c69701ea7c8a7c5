/**
 * Versioned binary graph format (pure: bytes in, bytes out).
 *
 * Layout, all integers little-endian:
 *   0  magic   8 bytes  "COEDUWG\0"
 *   8  version u32      FORMAT_VERSION
 *  12  count   u32      number of sections
 *  16  length  u64      total file length in bytes (detects truncation up front)
 *  24  table   count × 32 bytes: id (4 ASCII) | dtype u32 | offset u64 | byteLength u64 | crc32 u32 | 0 u32
 *  ..  sections, each starting at a multiple of 8
 * dtype: 1 f64, 2 f32, 3 u32, 4 i32, 5 u8, 6 UTF-8 JSON. Typed arrays are stored in host order, which
 * must be little-endian (checked). Unknown section ids are ignored by readers of the same version, so
 * optional sections can be added without a version bump; anything else bumps FORMAT_VERSION.
 */
import { GraphFormatError } from '../errors.ts';
import { type GraphMeta, type WalkGraph, validateGraph } from './types.ts';

/** Magic bytes at the start of every graph file. */
export const GRAPH_MAGIC = 'COEDUWG\0';
/** The only version this build writes and reads. */
export const FORMAT_VERSION = 1;

const HEADER = 24;
const ENTRY = 32;

type DType = 1 | 2 | 3 | 4 | 5 | 6;
const DTYPE_NAME: Record<DType, string> = { 1: 'f64', 2: 'f32', 3: 'u32', 4: 'i32', 5: 'u8', 6: 'json' };
const DTYPE_SIZE: Record<DType, number> = { 1: 8, 2: 4, 3: 4, 4: 4, 5: 1, 6: 1 };

type ArrayKey = Exclude<keyof WalkGraph, 'meta' | 'nodeCount' | 'edgeCount' | 'linkCount'>;
/** Section id ↔ graph field ↔ element type. Order is the file order. */
const SECTIONS: [string, ArrayKey, DType][] = [
  ['NLON', 'nodeLon', 1], ['NLAT', 'nodeLat', 1], ['NELE', 'nodeEle', 2], ['NOSM', 'nodeOsmId', 1],
  ['OFFS', 'offsets', 3], ['TGTS', 'targets', 3], ['SECS', 'seconds', 2], ['METR', 'meters', 2],
  ['CLMB', 'climb', 2], ['ELNK', 'edgeLink', 3], ['EFLG', 'edgeFlags', 5], ['LFRM', 'linkFrom', 3],
  ['LTO_', 'linkTo', 3], ['LFWE', 'linkFwdEdge', 4], ['LBWE', 'linkBwdEdge', 4], ['GOFF', 'geomOffsets', 3],
  ['GLON', 'geomLon', 1], ['GLAT', 'geomLat', 1], ['GELE', 'geomEle', 2], ['GCMM', 'geomCumM', 2],
  ['GCFS', 'geomCumFwdS', 2], ['GCBS', 'geomCumBwdS', 2], ['GCFC', 'geomCumFwdClimb', 2],
  ['GCBC', 'geomCumBwdClimb', 2],
];
const CTOR = { 1: Float64Array, 2: Float32Array, 3: Uint32Array, 4: Int32Array, 5: Uint8Array } as const;

let crcTable: Int32Array | null = null;
/** CRC-32 (IEEE), as in zlib/PNG. */
export function crc32(bytes: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Int32Array(256);
    for (let i = 0; i < 256; i++) {
      let c = i;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[i] = c;
    }
  }
  let c = -1;
  for (let i = 0; i < bytes.length; i++) c = crcTable[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

function littleEndianHost(): boolean {
  return new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
}

/** Serialises a graph into the binary format. */
export function serializeGraph(g: WalkGraph): Uint8Array {
  if (!littleEndianHost()) throw new GraphFormatError('graph files can only be written on little-endian hosts');
  const metaBytes = new TextEncoder().encode(
    JSON.stringify({ ...g.meta, counts: { nodes: g.nodeCount, edges: g.edgeCount, links: g.linkCount } }),
  );
  const parts: { id: string; dtype: DType; bytes: Uint8Array }[] = [{ id: 'META', dtype: 6, bytes: metaBytes }];
  for (const [id, key, dtype] of SECTIONS) {
    const a = g[key] as ArrayBufferView;
    parts.push({ id, dtype, bytes: new Uint8Array(a.buffer, a.byteOffset, a.byteLength) });
  }
  let pos = HEADER + ENTRY * parts.length;
  const offsets: number[] = [];
  for (const p of parts) {
    pos = Math.ceil(pos / 8) * 8;
    offsets.push(pos);
    pos += p.bytes.length;
  }
  const total = Math.ceil(pos / 8) * 8;
  const out = new Uint8Array(total);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < 8; i++) out[i] = GRAPH_MAGIC.charCodeAt(i);
  dv.setUint32(8, FORMAT_VERSION, true);
  dv.setUint32(12, parts.length, true);
  dv.setBigUint64(16, BigInt(total), true);
  parts.forEach((p, i) => {
    const e = HEADER + ENTRY * i;
    for (let k = 0; k < 4; k++) out[e + k] = p.id.charCodeAt(k);
    dv.setUint32(e + 4, p.dtype, true);
    dv.setBigUint64(e + 8, BigInt(offsets[i]), true);
    dv.setBigUint64(e + 16, BigInt(p.bytes.length), true);
    dv.setUint32(e + 24, crc32(p.bytes), true);
    out.set(p.bytes, offsets[i]);
  });
  return out;
}

/**
 * Reads a graph from bytes. Every failure is a GraphFormatError naming the problem:
 * wrong magic, unknown version, truncation (with byte counts), bad section, checksum, invariants.
 */
export function deserializeGraph(input: Uint8Array, name = 'graph file'): WalkGraph {
  // A plain Uint8Array view: Buffer#slice would not copy.
  const bytes = new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  if (!littleEndianHost()) throw new GraphFormatError('graph files can only be read on little-endian hosts');
  const magicLen = Math.min(8, bytes.length);
  for (let i = 0; i < magicLen; i++) {
    if (bytes[i] !== GRAPH_MAGIC.charCodeAt(i)) throw new GraphFormatError(`${name}: not a CoEdu walking graph file (bad magic bytes)`);
  }
  if (bytes.length < HEADER) {
    throw new GraphFormatError(`${name}: truncated graph file: ${bytes.length} bytes, the header alone needs ${HEADER}`);
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = dv.getUint32(8, true);
  if (version !== FORMAT_VERSION) {
    throw new GraphFormatError(
      `${name}: unsupported graph format version ${version}; this build reads version ${FORMAT_VERSION} — rebuild it with \`coedu graph build\``,
    );
  }
  const count = dv.getUint32(12, true);
  const declared = Number(dv.getBigUint64(16, true));
  if (bytes.length < declared) {
    throw new GraphFormatError(`${name}: truncated graph file: ${bytes.length} bytes, the header says ${declared}`);
  }
  if (bytes.length > declared) {
    throw new GraphFormatError(`${name}: ${bytes.length - declared} unexpected trailing bytes after the declared ${declared}`);
  }
  if (count > 1000 || HEADER + ENTRY * count > bytes.length) throw new GraphFormatError(`${name}: corrupt section table (${count} sections)`);
  const found = new Map<string, { dtype: DType; data: Uint8Array }>();
  for (let i = 0; i < count; i++) {
    const e = HEADER + ENTRY * i;
    const id = String.fromCharCode(bytes[e], bytes[e + 1], bytes[e + 2], bytes[e + 3]);
    const dtype = dv.getUint32(e + 4, true) as DType;
    const off = Number(dv.getBigUint64(e + 8, true));
    const len = Number(dv.getBigUint64(e + 16, true));
    const crc = dv.getUint32(e + 24, true);
    if (!(dtype in DTYPE_NAME)) throw new GraphFormatError(`${name}: section ${id} has unknown element type ${dtype}`);
    if (off + len > bytes.length) {
      throw new GraphFormatError(`${name}: truncated graph file: section ${id} ends at byte ${off + len}, file has ${bytes.length}`);
    }
    if (len % DTYPE_SIZE[dtype] !== 0) throw new GraphFormatError(`${name}: section ${id} length ${len} is not a multiple of ${DTYPE_SIZE[dtype]}`);
    const data = bytes.subarray(off, off + len);
    if (crc32(data) !== crc) throw new GraphFormatError(`${name}: section ${id} is corrupt (checksum mismatch)`);
    found.set(id, { dtype, data });
  }
  const metaSec = found.get('META');
  if (!metaSec) throw new GraphFormatError(`${name}: missing section META`);
  let meta: GraphMeta & { counts?: { nodes: number; edges: number; links: number } };
  try {
    meta = JSON.parse(new TextDecoder().decode(metaSec.data));
  } catch {
    throw new GraphFormatError(`${name}: section META is not valid JSON`);
  }
  const arrays: Partial<Record<ArrayKey, ArrayBufferView>> = {};
  for (const [id, key, dtype] of SECTIONS) {
    const s = found.get(id);
    if (!s) throw new GraphFormatError(`${name}: missing section ${id}`);
    if (s.dtype !== dtype) throw new GraphFormatError(`${name}: section ${id} has type ${DTYPE_NAME[s.dtype]}, expected ${DTYPE_NAME[dtype]}`);
    // Copy into a fresh, aligned buffer: the source may sit at any byte offset.
    const copy = Uint8Array.prototype.slice.call(s.data).buffer;
    arrays[key] = new CTOR[dtype as 1 | 2 | 3 | 4 | 5](copy);
  }
  const a = arrays as Record<ArrayKey, never>;
  const { counts, ...metaRest } = meta;
  const g: WalkGraph = {
    nodeCount: (arrays.nodeLon as Float64Array).length,
    edgeCount: (arrays.targets as Uint32Array).length,
    linkCount: (arrays.linkFrom as Uint32Array).length,
    ...a,
    meta: metaRest as GraphMeta,
  };
  if (counts && (counts.nodes !== g.nodeCount || counts.edges !== g.edgeCount || counts.links !== g.linkCount)) {
    throw new GraphFormatError(`${name}: section sizes disagree with the counts in META`);
  }
  const problem = validateGraph(g);
  if (problem) throw new GraphFormatError(`${name}: inconsistent graph (${problem})`);
  return g;
}
