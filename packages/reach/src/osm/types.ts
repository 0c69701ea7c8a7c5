/** The streaming interface between OSM readers and the graph builder. */

/** Callbacks for elements. A reader may skip decoding an element kind whose callback is absent. */
export interface OsmSink {
  /** A node with WGS-84 coordinates. Ids may exceed 2^32 (they are < 2^53). */
  onNode?(id: number, lon: number, lat: number): void;
  /** A way: ordered node refs and its tags (a fresh object per way). */
  onWay?(id: number, refs: number[], tags: Record<string, string>): void;
}

/** Counts from one read. */
export interface OsmReadStats {
  nodes: number;
  ways: number;
}

/** A re-readable OSM source: the builder reads it twice (ways, then nodes, or the reverse). */
export interface OsmSource {
  /** For messages: usually the file name. */
  readonly name: string;
  /** Reads the whole source once, calling the sink. Rejects with OsmParseError on bad input. */
  read(sink: OsmSink): Promise<OsmReadStats>;
}
