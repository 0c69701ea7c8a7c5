/**
 * OSM PBF reader (https://wiki.openstreetmap.org/wiki/PBF_Format), written on the
 * `pbf` protobuf primitives and node:zlib. Reads blob by blob from a file handle, so
 * memory stays at one blob (≤ 32 MiB by the spec) plus what the sink keeps.
 * Supports raw and zlib blobs, DenseNodes, plain Nodes and Ways; relations are skipped.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { inflateSync } from 'node:zlib';
import Pbf from 'pbf';
import { OsmParseError } from '../errors.ts';
import type { OsmReadStats, OsmSink, OsmSource } from './types.ts';

const MAX_HEADER = 64 * 1024;
const MAX_BLOB = 32 * 1024 * 1024;
/** Features this reader understands; a file requiring anything else is refused. */
const SUPPORTED_FEATURES = new Set(['OsmSchema-V0.6', 'DenseNodes', 'HistoricalInformation', 'Sort.Type_then_ID', 'Sort.Geographic']);

/** Where the bytes come from: a file (read piecewise) or an in-memory buffer. */
interface ByteReader {
  size: number;
  read(pos: number, len: number): Promise<Uint8Array>;
  close(): Promise<void>;
}

async function fileReader(path: string): Promise<ByteReader> {
  let fh: FileHandle;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    throw new OsmParseError(`cannot open ${path}: ${(e as Error).message}`);
  }
  const size = (await fh.stat()).size;
  return {
    size,
    async read(pos, len) {
      const buf = Buffer.allocUnsafe(len);
      const { bytesRead } = await fh.read(buf, 0, len, pos);
      return buf.subarray(0, bytesRead);
    },
    close: () => fh.close(),
  };
}

function bufferReader(buf: Uint8Array): ByteReader {
  return {
    size: buf.length,
    read: async (pos, len) => buf.subarray(pos, Math.min(buf.length, pos + len)),
    close: async () => undefined,
  };
}

interface BlobHeader {
  type: string;
  datasize: number;
}

function readBlobHeader(bytes: Uint8Array): BlobHeader {
  return new Pbf(bytes).readFields(
    (tag, h: BlobHeader, pbf) => {
      if (tag === 1) h.type = pbf.readString();
      else if (tag === 3) h.datasize = pbf.readVarint();
    },
    { type: '', datasize: -1 },
  );
}

function inflateBlob(bytes: Uint8Array, where: string): Uint8Array {
  const b = new Pbf(bytes).readFields(
    (tag, r: { raw?: Uint8Array; zlib?: Uint8Array; rawSize: number; other?: number }, pbf) => {
      if (tag === 1) r.raw = pbf.readBytes();
      else if (tag === 2) r.rawSize = pbf.readVarint();
      else if (tag === 3) r.zlib = pbf.readBytes();
      else if (tag >= 4 && tag <= 7) {
        r.other = tag;
        pbf.skip(pbf.type);
      }
    },
    { rawSize: -1 } as { raw?: Uint8Array; zlib?: Uint8Array; rawSize: number; other?: number },
  );
  if (b.raw) return b.raw;
  if (b.zlib) {
    try {
      return inflateSync(b.zlib);
    } catch (e) {
      throw new OsmParseError(`corrupt PBF: zlib data of ${where} cannot be inflated (${(e as Error).message})`);
    }
  }
  if (b.other) {
    const names: Record<number, string> = { 4: 'lzma', 5: 'bzip2', 6: 'lz4', 7: 'zstd' };
    throw new OsmParseError(`unsupported PBF compression ${names[b.other]} in ${where}; re-encode with zlib (osmium cat -o out.osm.pbf)`);
  }
  throw new OsmParseError(`corrupt PBF: ${where} has no data`);
}

function checkHeaderBlock(data: Uint8Array, name: string): void {
  const required: string[] = [];
  new Pbf(data).readFields(
    (tag, r: string[], pbf) => {
      if (tag === 4) r.push(pbf.readString());
    },
    required,
  );
  for (const f of required) {
    if (!SUPPORTED_FEATURES.has(f)) throw new OsmParseError(`${name}: PBF requires unsupported feature "${f}"`);
  }
}

interface BlockCtx {
  strings: string[];
  granularity: number;
  latOffset: number;
  lonOffset: number;
}

/** What a data blob contains; remembered so that the second read can skip blobs. */
interface BlobKinds {
  nodes: boolean;
  ways: boolean;
}

function readPrimitiveBlock(data: Uint8Array, sink: OsmSink, stats: OsmReadStats, kinds: BlobKinds): void {
  const pbf = new Pbf(data);
  const ctx: BlockCtx = { strings: [], granularity: 100, latOffset: 0, lonOffset: 0 };
  const groups: [number, number][] = [];
  // First pass over the block: string table and scalars; groups are decoded after because
  // the spec does not fix field order.
  pbf.readFields((tag, c: BlockCtx, p) => {
    if (tag === 1) {
      const end = p.readVarint() + p.pos;
      while (p.pos < end) {
        const t = p.readVarint();
        if (t >> 3 === 1) c.strings.push(p.readString());
        else p.skip(t & 7);
      }
    } else if (tag === 2) {
      const len = p.readVarint();
      groups.push([p.pos, p.pos + len]);
      p.pos += len;
    } else if (tag === 17) c.granularity = p.readVarint();
    else if (tag === 19) c.latOffset = p.readVarint(true);
    else if (tag === 20) c.lonOffset = p.readVarint(true);
  }, ctx);
  for (const [start, end] of groups) {
    pbf.pos = start;
    while (pbf.pos < end) {
      const t = pbf.readVarint();
      const field = t >> 3;
      if (field === 2) {
        kinds.nodes = true;
        if (sink.onNode) readDense(pbf, ctx, sink, stats);
        else pbf.skip(t & 7);
      } else if (field === 1) {
        kinds.nodes = true;
        if (sink.onNode) readNode(pbf, ctx, sink, stats);
        else pbf.skip(t & 7);
      } else if (field === 3) {
        kinds.ways = true;
        if (sink.onWay) readWay(pbf, ctx, sink, stats);
        else pbf.skip(t & 7);
      } else pbf.skip(t & 7);
    }
  }
}

function readDense(pbf: Pbf, ctx: BlockCtx, sink: OsmSink, stats: OsmReadStats): void {
  const end = pbf.readVarint() + pbf.pos;
  let ids: number[] = [];
  let lats: number[] = [];
  let lons: number[] = [];
  while (pbf.pos < end) {
    const t = pbf.readVarint();
    pbf.type = t & 7; // readPacked* consult the wire type
    const f = t >> 3;
    if (f === 1) ids = pbf.readPackedSVarint([]);
    else if (f === 8) lats = pbf.readPackedSVarint([]);
    else if (f === 9) lons = pbf.readPackedSVarint([]);
    else pbf.skip(t & 7);
  }
  if (ids.length !== lats.length || ids.length !== lons.length) {
    throw new OsmParseError('corrupt PBF: DenseNodes arrays of different lengths');
  }
  let id = 0, lat = 0, lon = 0;
  const g = ctx.granularity;
  for (let i = 0; i < ids.length; i++) {
    id += ids[i];
    lat += lats[i];
    lon += lons[i];
    stats.nodes++;
    sink.onNode!(id, 1e-9 * (ctx.lonOffset + g * lon), 1e-9 * (ctx.latOffset + g * lat));
  }
}

function readNode(pbf: Pbf, ctx: BlockCtx, sink: OsmSink, stats: OsmReadStats): void {
  const end = pbf.readVarint() + pbf.pos;
  let id = 0, lat = 0, lon = 0;
  while (pbf.pos < end) {
    const t = pbf.readVarint();
    pbf.type = t & 7; // readPacked* consult the wire type
    const f = t >> 3;
    if (f === 1) id = pbf.readSVarint();
    else if (f === 8) lat = pbf.readSVarint();
    else if (f === 9) lon = pbf.readSVarint();
    else pbf.skip(t & 7);
  }
  stats.nodes++;
  sink.onNode!(id, 1e-9 * (ctx.lonOffset + ctx.granularity * lon), 1e-9 * (ctx.latOffset + ctx.granularity * lat));
}

function readWay(pbf: Pbf, ctx: BlockCtx, sink: OsmSink, stats: OsmReadStats): void {
  const end = pbf.readVarint() + pbf.pos;
  let id = 0;
  let keys: number[] = [];
  let vals: number[] = [];
  let refs: number[] = [];
  while (pbf.pos < end) {
    const t = pbf.readVarint();
    pbf.type = t & 7; // readPacked* consult the wire type
    const f = t >> 3;
    if (f === 1) id = pbf.readVarint();
    else if (f === 2) keys = pbf.readPackedVarint([]);
    else if (f === 3) vals = pbf.readPackedVarint([]);
    else if (f === 8) refs = pbf.readPackedSVarint([]);
    else pbf.skip(t & 7);
  }
  const tags: Record<string, string> = {};
  for (let i = 0; i < keys.length; i++) {
    const k = ctx.strings[keys[i]];
    const v = ctx.strings[vals[i]];
    if (k === undefined || v === undefined) throw new OsmParseError(`corrupt PBF: way ${id} has a tag index outside the string table`);
    tags[k] = v;
  }
  let r = 0;
  for (let i = 0; i < refs.length; i++) refs[i] = r += refs[i];
  stats.ways++;
  sink.onWay!(id, refs, tags);
}

/** A PBF source over a file path or an in-memory buffer. */
export class PbfSource implements OsmSource {
  readonly name: string;
  private readonly open: () => Promise<ByteReader>;
  /** Blob offset → kinds, filled by the first read. */
  private kinds: Map<number, BlobKinds> | null = null;

  constructor(name: string, open: () => Promise<ByteReader>) {
    this.name = name;
    this.open = open;
  }

  /** Source over a file on disk. */
  static fromFile(path: string): PbfSource {
    return new PbfSource(path, () => fileReader(path));
  }

  /** Source over bytes in memory. */
  static fromBuffer(buf: Uint8Array, name = 'buffer'): PbfSource {
    return new PbfSource(name, async () => bufferReader(buf));
  }

  async read(sink: OsmSink): Promise<OsmReadStats> {
    const r = await this.open();
    const stats: OsmReadStats = { nodes: 0, ways: 0 };
    const firstRead = this.kinds === null;
    const kindsMap = this.kinds ?? new Map<number, BlobKinds>();
    try {
      let pos = 0;
      let blobIndex = 0;
      while (pos < r.size) {
        const where = `blob #${blobIndex} at byte ${pos}`;
        if (r.size - pos < 4) throw new OsmParseError(`${this.name}: truncated PBF file: ${r.size - pos} stray byte(s) at byte ${pos}`);
        const lenBytes = await r.read(pos, 4);
        const hlen = ((lenBytes[0] << 24) | (lenBytes[1] << 16) | (lenBytes[2] << 8) | lenBytes[3]) >>> 0;
        if (hlen === 0 || hlen > MAX_HEADER) {
          throw new OsmParseError(
            blobIndex === 0
              ? `${this.name}: not an OSM PBF file (bad blob header length ${hlen})`
              : `${this.name}: corrupt PBF: ${where} has a header length of ${hlen} bytes`,
          );
        }
        if (pos + 4 + hlen > r.size) {
          throw new OsmParseError(`${this.name}: truncated PBF file: header of ${where} needs ${hlen} bytes, only ${r.size - pos - 4} remain`);
        }
        let header: BlobHeader;
        try {
          header = readBlobHeader(await r.read(pos + 4, hlen));
        } catch (e) {
          if (e instanceof OsmParseError) throw e;
          throw new OsmParseError(`${this.name}: ${blobIndex === 0 ? 'not an OSM PBF file' : 'corrupt PBF'} (cannot decode header of ${where})`);
        }
        if (blobIndex === 0 && header.type !== 'OSMHeader') {
          throw new OsmParseError(`${this.name}: not an OSM PBF file (first blob is ${JSON.stringify(header.type)}, expected "OSMHeader")`);
        }
        if (header.datasize < 0 || header.datasize > MAX_BLOB) {
          throw new OsmParseError(`${this.name}: corrupt PBF: ${where} declares ${header.datasize} bytes`);
        }
        const dataPos = pos + 4 + hlen;
        if (dataPos + header.datasize > r.size) {
          throw new OsmParseError(
            `${this.name}: truncated PBF file: ${where} declares ${header.datasize} bytes, only ${r.size - dataPos} remain`,
          );
        }
        const known = kindsMap.get(pos);
        const needed = !known || (sink.onNode && known.nodes) || (sink.onWay && known.ways);
        if (header.type === 'OSMHeader' || (header.type === 'OSMData' && needed)) {
          let data: Uint8Array;
          try {
            data = inflateBlob(await r.read(dataPos, header.datasize), where);
          } catch (e) {
            if (e instanceof OsmParseError) throw new OsmParseError(`${this.name}: ${e.message}`);
            throw new OsmParseError(`${this.name}: corrupt PBF: cannot decode ${where}`);
          }
          try {
            if (header.type === 'OSMHeader') checkHeaderBlock(data, this.name);
            else {
              const kinds: BlobKinds = { nodes: false, ways: false };
              readPrimitiveBlock(data, sink, stats, kinds);
              if (firstRead) kindsMap.set(pos, kinds);
            }
          } catch (e) {
            if (e instanceof OsmParseError) throw e;
            throw new OsmParseError(`${this.name}: corrupt PBF: cannot decode ${where} (${(e as Error).message})`);
          }
        }
        pos = dataPos + header.datasize;
        blobIndex++;
      }
      if (blobIndex === 0) throw new OsmParseError(`${this.name}: empty file`);
    } finally {
      await r.close();
    }
    if (firstRead) this.kinds = kindsMap;
    return stats;
  }
}
