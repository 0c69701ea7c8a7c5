/**
 * @coedu/reach — walking reachability engine for the 15-minute co-education circle.
 * Build a graph once (OSM + optional SRTM + optional boundary), then query it: reach, catchments,
 * isochrones, routes, coverage, gaps; or use the estimate mode without a graph.
 */
export * from './errors.ts';
export {
  type WalkingProfile, DEFAULT_WALKING_PROFILE, makeProfile, toblerSpeed, stepsSeconds, classifyWay, WayKind, type WayClass,
} from './profile.ts';
export {
  haversineM, LocalProjection, Boundary, parseBoundary, parseAreas, parseJsonText, type NamedArea, type BBox,
} from './geo.ts';
export type { OsmSource, OsmSink, OsmReadStats } from './osm/types.ts';
export { XmlSource } from './osm/xml.ts';
export { PbfSource } from './osm/pbf.ts';
export { openOsmFile } from './osm/read.ts';
export { type DemTile, DemSet, HGT_VOID, parseTileName, tileName, tileFromHgtBytes } from './dem/tile.ts';
export { readHgtFile, readDem } from './dem/hgt.ts';
export { type BuildOptions, buildGraph } from './graph/build.ts';
export { type WalkGraph, type GraphMeta, type BuildStats, validateGraph, EDGE_REVERSED, EDGE_STEPS, EDGE_ELEVATOR } from './graph/types.ts';
export { serializeGraph, deserializeGraph, FORMAT_VERSION, GRAPH_MAGIC } from './graph/format.ts';
export { readGraphFile, writeGraphFile, writeFileAtomic } from './graph/io.ts';
export { nodesCsv, edgesCsv } from './graph/export.ts';
export { type Snap, type NodeCost, snapPoint, snapNode, seedsFrom, seedsTo, alongLinkSeconds } from './graph/snap.ts';
export {
  type Seed, type SearchOptions, type SearchResult, type Adjacency, dijkstra, reverseIndex, adjacency, withSearch, runSparse,
  releaseSearchBuffers,
} from './query/dijkstra.ts';
export { type KernelState, createKernelState, kernelRun, kernelRunUnordered, kernelReset } from './query/kernel.ts';
export { type VenueCatchments, type VenueCatchmentsOptions, venueCatchments, catchmentOf } from './query/batch.ts';
export { type ReachPoolOptions, ReachPool, reachPool, venueCatchmentsParallel, closeReachPools } from './query/parallel.ts';
export {
  type Origin, type ReachResult, type CatchmentResult, type VenuePoint, reach, catchments, resolveOrigin, trySnap, secondsToSnap,
} from './query/reach.ts';
export { type IsochroneOptions, type IsochroneCollection, isochrones, isochronesFromSearch } from './query/isochrone.ts';
export { type Route, route } from './query/route.ts';
export { type Venue, parseVenuesCsv, parseVenuesGeoJson } from './coverage/venues.ts';
export {
  type CoverageOptions, type CoverageResult, type CoverageCell, type CellSummary, computeCoverage, coverageGrid,
  coverageToGeoJson, summarizeCoverage, summarizeCells,
} from './coverage/coverage.ts';
export { type GapCandidate, type GapResult, type GreedyPick, greedyMaxCover, findGaps } from './coverage/gaps.ts';
export {
  DEFAULT_DETOUR_FACTOR, type Estimate, type EstimateOptions, type DetourCalibration, estimateWalk, estimateSeconds,
  calibrateDetourFactor, mulberry32,
} from './estimate/estimate.ts';
export { type EstimateIsochroneOptions, type EstimateIsochroneCollection, estimateIsochrones } from './estimate/isochrone.ts';
