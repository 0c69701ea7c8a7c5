/**
 * Streaming OSM XML reader (plain or gzip) built on `sax` in strict mode.
 * Only <node lat lon>, <way><nd ref><tag k v></way> are used; everything else is skipped.
 */
import { createReadStream } from 'node:fs';
import { createGunzip, gunzipSync } from 'node:zlib';
import { Readable } from 'node:stream';
import sax from 'sax';
import { OsmParseError } from '../errors.ts';
import type { OsmReadStats, OsmSink, OsmSource } from './types.ts';

function cleanSaxMessage(m: string): string {
  return m.replace(/\s*\n\s*/g, ', ').replace(/, $/, '');
}

/** Feeds text chunks to a strict sax parser that calls `sink`. */
function makeParser(name: string, sink: OsmSink, stats: OsmReadStats) {
  const parser = sax.parser(true, { trim: false, normalize: false, position: true });
  let sawRoot = false;
  let wayId = -1;
  let refs: number[] = [];
  let tags: Record<string, string> = {};
  let failure: Error | null = null;
  parser.onerror = (e) => {
    failure ??= new OsmParseError(`${name}: malformed XML (${cleanSaxMessage(e.message)})`);
    // sax requires the error to be cleared before continuing; we stop at the first one.
    parser.error = null as unknown as Error;
  };
  parser.onopentag = (node) => {
    if (failure) return;
    const a = node.attributes as Record<string, string>;
    if (!sawRoot) {
      sawRoot = true;
      if (node.name !== 'osm') failure = new OsmParseError(`${name}: not an OSM XML file (root element is <${node.name}>, expected <osm>)`);
      return;
    }
    switch (node.name) {
      case 'node': {
        stats.nodes++;
        if (!sink.onNode) return;
        const id = Number(a.id), lat = Number(a.lat), lon = Number(a.lon);
        if (!Number.isFinite(id) || !Number.isFinite(lat) || !Number.isFinite(lon)) {
          // Deleted nodes in history files lack coordinates: skip them, but refuse garbage ids.
          if (a.lat === undefined && a.lon === undefined && Number.isFinite(id)) return;
          failure = new OsmParseError(`${name}: line ${parser.line + 1}: <node> with invalid id/lat/lon`);
          return;
        }
        sink.onNode(id, lon, lat);
        return;
      }
      case 'way':
        wayId = Number(a.id);
        refs = [];
        tags = {};
        return;
      case 'nd':
        if (wayId >= 0 && sink.onWay) {
          const r = Number(a.ref);
          if (!Number.isFinite(r)) failure = new OsmParseError(`${name}: line ${parser.line + 1}: <nd> with invalid ref`);
          else refs.push(r);
        }
        return;
      case 'tag':
        if (wayId >= 0 && sink.onWay && a.k !== undefined) tags[a.k] = a.v ?? '';
        return;
      default:
        return;
    }
  };
  parser.onclosetag = (tagName) => {
    if (failure) return;
    if (tagName === 'way') {
      stats.ways++;
      if (sink.onWay) sink.onWay(wayId, refs, tags);
      wayId = -1;
    }
  };
  return {
    write(chunk: string) {
      if (!failure) parser.write(chunk);
      if (failure) throw failure;
    },
    close() {
      if (!failure) parser.close();
      if (failure) throw failure;
      if (!sawRoot) throw new OsmParseError(`${name}: not an OSM XML file (no root element)`);
    },
  };
}

/** An OSM XML source over a string (tests, small inline fixtures) or Buffer (optionally gzip). */
export class XmlSource implements OsmSource {
  readonly name: string;
  private readonly chunks: () => AsyncIterable<string> | Iterable<string>;

  private constructor(name: string, chunks: () => AsyncIterable<string> | Iterable<string>) {
    this.name = name;
    this.chunks = chunks;
  }

  /** Source over XML text in memory. */
  static fromString(xml: string, name = 'inline XML'): XmlSource {
    return new XmlSource(name, () => [xml]);
  }

  /** Source over a buffer of XML or gzip-compressed XML. */
  static fromBuffer(buf: Uint8Array, name = 'buffer'): XmlSource {
    return new XmlSource(name, () => {
      let bytes = buf;
      if (buf[0] === 0x1f && buf[1] === 0x8b) {
        try {
          bytes = gunzipSync(buf);
        } catch (e) {
          throw new OsmParseError(`${name}: truncated or corrupt gzip data (${(e as Error).message})`);
        }
      }
      return [Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8')];
    });
  }

  /** Streaming source over a file; `gzip` decompresses on the fly. */
  static fromFile(path: string, gzip: boolean): XmlSource {
    return new XmlSource(path, () => {
      const file = createReadStream(path);
      const stream: Readable = gzip ? file.pipe(createGunzip()) : file;
      if (gzip) file.on('error', (e) => stream.destroy(e));
      stream.setEncoding('utf8');
      return stream as AsyncIterable<string>;
    });
  }

  async read(sink: OsmSink): Promise<OsmReadStats> {
    const stats: OsmReadStats = { nodes: 0, ways: 0 };
    const p = makeParser(this.name, sink, stats);
    try {
      for await (const chunk of this.chunks()) p.write(chunk);
    } catch (e) {
      if (e instanceof OsmParseError) throw e;
      const err = e as NodeJS.ErrnoException;
      if (err.code === 'ENOENT' || err.code === 'EACCES' || err.code === 'EISDIR') {
        throw new OsmParseError(`cannot open ${this.name}: ${err.message}`);
      }
      throw new OsmParseError(`${this.name}: truncated or corrupt gzip data (${err.message})`);
    }
    p.close();
    return stats;
  }
}
