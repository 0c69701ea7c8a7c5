import {
  Boundary,
  computeCoverage,
  estimateIsochrones,
  estimateWalk,
  findGaps,
  isochrones,
  parseBoundary,
  route,
  summarizeCells,
  summarizeCoverage,
  type CoverageResult,
  type GapCandidate,
  type NamedArea,
  type Venue,
} from '@coedu/reach';
import type { Kysely } from 'kysely';
import type { Crs, DB, OrgKind } from '../../db/types.ts';
import { AppError } from '../../errors.ts';
import { pointInRing, toWgs84, type Ring } from '../../lib/geo.ts';
import { hasRole, isDistrictStaff, requireAdult, type RequestContext } from '../access/actor.ts';
import { recordAudit } from '../audit/audit.service.ts';
import type { ReachEngine } from './reach.engine.ts';
import * as repo from './reach.repository.ts';

const MAX_CATCHMENT_VENUES = 300;
const MAX_GAP_CANDIDATES = 1500;

export interface PointInput {
  lon: number;
  lat: number;
  crs: Crs;
}

/**
 * The 15-minute engine as a service: isochrones, routes, catchments, district coverage and gap finding, on the
 * loaded walking graph or, without one, by estimate. Every answer says which (`method`).
 */
export class ReachService {
  /** Recent coverage results kept for gap finding, so it need not recompute the run it was asked about. */
  private readonly recent = new Map<string, CoverageResult>();

  constructor(
    private readonly db: Kysely<DB>,
    readonly engine: ReachEngine,
  ) {}

  status(ctx: RequestContext) {
    requireAdult(ctx);
    return { method: this.engine.method, graph: this.engine.info, detourFactor: this.engine.detourFactor, flatSpeedMps: this.engine.flatSpeedMps };
  }

  async isochrones(ctx: RequestContext, input: PointInput & { bands: number[] }) {
    requireAdult(ctx);
    const [lon, lat] = toWgs84(input.lon, input.lat, input.crs);
    if (this.engine.graph) return { origin: { lon, lat }, ...isochrones(this.engine.graph, { lon, lat }, { bandsMinutes: input.bands }) };
    const boundary = await this.districtBoundaryOrNull();
    return { origin: { lon, lat }, ...estimateIsochrones(lon, lat, { bandsMinutes: input.bands, boundary, detourFactor: this.engine.detourFactor }) };
  }

  async route(ctx: RequestContext, input: { from: [number, number]; to: [number, number]; crs: Crs }) {
    requireAdult(ctx);
    const from = toWgs84(input.from[0], input.from[1], input.crs);
    const to = toWgs84(input.to[0], input.to[1], input.crs);
    if (this.engine.graph) {
      const found = route(this.engine.graph, { lon: from[0], lat: from[1] }, { lon: to[0], lat: to[1] });
      if (!found) throw new AppError('no_route');
      return {
        method: 'network' as const,
        minutes: found.minutes,
        seconds: found.seconds,
        distanceM: found.distanceM,
        climbM: found.climbM,
        descentM: found.descentM,
        geometry: { type: 'LineString' as const, coordinates: found.coordinates },
      };
    }
    const estimate = estimateWalk(from[0], from[1], to[0], to[1], { detourFactor: this.engine.detourFactor, flatSpeedMps: this.engine.flatSpeedMps });
    return {
      method: 'estimate' as const,
      minutes: estimate.minutes,
      seconds: estimate.seconds,
      distanceM: estimate.distanceM,
      climbM: null,
      descentM: null,
      geometry: { type: 'LineString' as const, coordinates: [from, to] },
    };
  }

  /**
   * Walking legs between consecutive points (for study-tour routes): one route per leg on the graph, or estimates.
   * A leg that cannot be walked on the graph (a point off the network) falls back to an estimate and says so.
   */
  walkLegs(points: [number, number][]) {
    const legs: { minutes: number; distanceM: number; climbM: number | null; method: 'network' | 'estimate'; geometry: { type: 'LineString'; coordinates: number[][] } }[] = [];
    for (let i = 0; i + 1 < points.length; i++) {
      const [a, b] = [points[i]!, points[i + 1]!];
      let leg: (typeof legs)[number] | null = null;
      if (this.engine.graph) {
        try {
          const found = route(this.engine.graph, { lon: a[0], lat: a[1] }, { lon: b[0], lat: b[1] });
          if (found) leg = { minutes: found.minutes, distanceM: found.distanceM, climbM: found.climbM, method: 'network', geometry: { type: 'LineString', coordinates: found.coordinates } };
        } catch (error) {
          if ((error as { code?: string }).code !== 'point_outside_graph') throw error;
        }
      }
      if (!leg) {
        const estimate = estimateWalk(a[0], a[1], b[0], b[1], { detourFactor: this.engine.detourFactor, flatSpeedMps: this.engine.flatSpeedMps });
        leg = { minutes: estimate.minutes, distanceM: estimate.distanceM, climbM: null, method: 'estimate', geometry: { type: 'LineString', coordinates: [a, b] } };
      }
      legs.push(leg);
    }
    const method: 'network' | 'estimate' = legs.length > 0 && legs.every((l) => l.method === 'network') ? 'network' : 'estimate';
    const climbs = legs.map((l) => l.climbM);
    return {
      method,
      minutes: legs.reduce((sum, l) => sum + l.minutes, 0),
      distanceM: legs.reduce((sum, l) => sum + l.distanceM, 0),
      climbM: climbs.every((c): c is number => c !== null) ? climbs.reduce((sum, c) => sum + c, 0) : null,
      legs,
    };
  }

  /** The area each organisation reaches within `minutes` (or is reached from, for a family walking to it). */
  async catchments(ctx: RequestContext, input: { kind?: OrgKind; divisionCode?: string; minutes: number }) {
    requireAdult(ctx);
    const venues = await repo.listLocatedOrganisations(this.db, { kinds: input.kind ? [input.kind] : undefined, divisionCode: input.divisionCode, limit: MAX_CATCHMENT_VENUES + 1 });
    if (venues.length > MAX_CATCHMENT_VENUES) {
      throw new AppError('validation_failed', `More than ${MAX_CATCHMENT_VENUES} organisations: narrow by kind or division.`, { issues: [{ path: 'kind', message: 'too many organisations' }] });
    }
    const boundary = this.engine.graph ? null : await this.districtBoundaryOrNull();
    const features = venues.map((venue) => {
      const properties = { id: venue.id, name: venue.name, kind: venue.kind, minutes: input.minutes, method: this.engine.method, illustrative: venue.location_illustrative };
      try {
        const collection = this.engine.graph
          ? isochrones(this.engine.graph, { lon: venue.lon!, lat: venue.lat! }, { bandsMinutes: [input.minutes] })
          : estimateIsochrones(venue.lon!, venue.lat!, { bandsMinutes: [input.minutes], boundary, detourFactor: this.engine.detourFactor });
        return { type: 'Feature' as const, properties: { ...properties, snapped: true }, geometry: collection.features[0]!.geometry as { type: string; coordinates: unknown } };
      } catch (error) {
        if ((error as { code?: string }).code !== 'point_outside_graph') throw error;
        return { type: 'Feature' as const, properties: { ...properties, snapped: false }, geometry: null };
      }
    });
    return { type: 'FeatureCollection' as const, method: this.engine.method, minutes: input.minutes, features };
  }

  /** Computes and stores a coverage grid over the district for the organisations of the given kinds. */
  async createCoverageRun(ctx: RequestContext, input: { cellM: number; minutes: number; kinds?: OrgKind[] }) {
    const actor = requireAdult(ctx);
    if (!isDistrictStaff(actor)) throw new AppError('forbidden', 'Only district staff run district coverage.');
    const boundary = await this.districtBoundary();
    const organisations = await repo.listLocatedOrganisations(this.db, { kinds: input.kinds, limit: 100_000 });
    const venues: Venue[] = organisations.map((o) => ({ id: o.id, name: o.name, category: o.kind, lon: o.lon!, lat: o.lat! }));
    if (venues.length === 0) throw new AppError('validation_failed', 'No organisations with a location to measure coverage for.', { issues: [{ path: 'kinds', message: 'no located organisations' }] });
    const result = computeCoverage(this.engine.graph, boundary, venues, { cellM: input.cellM, minutes: input.minutes, detourFactor: this.engine.detourFactor });
    const areaSummaries = await this.areaSummaries(result);
    const id = await this.db.transaction().execute(async (trx) => {
      const runId = await repo.insertCoverageRun(trx, {
        createdBy: actor.userId,
        method: result.method,
        cellM: result.cellM,
        minutes: result.minutes,
        categories: result.categories,
        venues,
        graphInfo: this.engine.info as Record<string, unknown> | null,
        summary: {
          ...summarizeCells(result, result.cells),
          venues: venues.length,
          // Only meaningful on a graph: in estimate mode nothing is snapped, so nothing is reported missing.
          venuesNotOnGraph: result.method === 'network' ? result.venues.filter((v) => !v.snapped).map((v) => v.id) : [],
        },
        areaSummaries,
        cells: result.cells.map((cell) => ({
          idx: cell.index,
          lon: cell.lon,
          lat: cell.lat,
          reachable: cell.reachable,
          minutes: cell.minutes,
          venuesWithin: cell.venuesWithin,
          geometry: cell.polygons.length === 1 ? { type: 'Polygon', coordinates: cell.polygons[0] } : { type: 'MultiPolygon', coordinates: cell.polygons },
        })),
      });
      await recordAudit(trx, ctx, { action: 'coverage.create', resourceType: 'coverage_run', resourceId: runId, detail: { cellM: input.cellM, minutes: input.minutes, kinds: input.kinds ?? null } });
      return runId;
    });
    this.remember(id, result);
    return (await repo.findCoverageRun(this.db, id))!;
  }

  async listCoverageRuns(ctx: RequestContext, limit: number) {
    this.requireStaff(ctx);
    return repo.listCoverageRuns(this.db, limit);
  }

  async getCoverageRun(ctx: RequestContext, id: string) {
    this.requireStaff(ctx);
    const run = await repo.findCoverageRun(this.db, id);
    if (!run) throw new AppError('not_found', 'No such coverage run.');
    return run;
  }

  async coverageCells(ctx: RequestContext, id: string) {
    const run = await this.getCoverageRun(ctx, id);
    return { run, cells: await repo.listCoverageCells(this.db, id) };
  }

  /** Greedy maximal covering: k new sites that add the most uncovered cells of a run. */
  async findGaps(ctx: RequestContext, runId: string, input: { category?: string; k: number; minutes?: number; candidates?: (PointInput & { id?: string })[] }) {
    const actor = requireAdult(ctx);
    if (!isDistrictStaff(actor)) throw new AppError('forbidden', 'Only district staff plan new sites.');
    const run = await repo.findCoverageRun(this.db, runId);
    if (!run) throw new AppError('not_found', 'No such coverage run.');
    if (run.method !== this.engine.method) {
      throw new AppError('coverage_method_changed', `This run was computed by ${run.method}, but the engine now works by ${this.engine.method}; run coverage again.`);
    }
    const coverage = await this.coverageOf(run);
    const minutes = input.minutes ?? coverage.minutes;
    let candidates: GapCandidate[];
    if (input.candidates && input.candidates.length > 0) {
      candidates = input.candidates.map((c, i) => {
        const [lon, lat] = toWgs84(c.lon, c.lat, c.crs);
        return { id: c.id ?? `candidate:${i + 1}`, lon, lat };
      });
    } else {
      // Default candidates: the centres of the cells that are not yet covered (sampled evenly when there are many).
      const uncovered = coverage.cells.filter((cell) => {
        if (!cell.reachable) return false;
        const value = input.category ? cell.minutes[input.category] : Math.min(...Object.values(cell.minutes).map((m) => m ?? Infinity));
        return value === null || value === undefined || value > minutes;
      });
      const stride = Math.max(1, Math.ceil(uncovered.length / MAX_GAP_CANDIDATES));
      candidates = uncovered.filter((_, i) => i % stride === 0).map((cell) => ({ id: `cell:${cell.index}`, lon: cell.lon, lat: cell.lat }));
    }
    return findGaps(this.engine.graph, coverage, candidates, { k: input.k, category: input.category, minutes, detourFactor: this.engine.detourFactor });
  }

  private async coverageOf(run: repo.CoverageRunRow): Promise<CoverageResult> {
    const cached = this.recent.get(run.id);
    if (cached) return cached;
    const boundary = await this.districtBoundary();
    const result = computeCoverage(this.engine.graph, boundary, run.venues as Venue[], { cellM: run.cell_m, minutes: run.minutes, detourFactor: this.engine.detourFactor });
    this.remember(run.id, result);
    return result;
  }

  private remember(id: string, result: CoverageResult) {
    this.recent.set(id, result);
    while (this.recent.size > 4) this.recent.delete(this.recent.keys().next().value!);
  }

  private requireStaff(ctx: RequestContext) {
    const actor = requireAdult(ctx);
    if (!hasRole(actor, 'district_admin', 'centre_staff', 'school_admin', 'community_admin', 'venue_manager', 'teacher')) {
      throw new AppError('forbidden', 'Coverage analyses are for staff.');
    }
    return actor;
  }

  private async districtBoundaryOrNull(): Promise<Boundary | null> {
    const district = await repo.findDistrictGeometry(this.db);
    return district?.geometry ? parseBoundary(district.geometry, 'district outline') : null;
  }

  private async districtBoundary(): Promise<Boundary> {
    const boundary = await this.districtBoundaryOrNull();
    if (!boundary) throw new AppError('no_district_boundary');
    return boundary;
  }

  /**
   * Per-subdistrict summaries over the (illustrative) subdistrict areas, and per-community summaries where each cell
   * belongs to the nearest community point of its subdistrict.
   */
  private async areaSummaries(result: CoverageResult) {
    const divisions = await repo.listAreaDivisions(this.db);
    const subdistricts = divisions.filter((d) => d.level === 'subdistrict' && d.geometry && (d.geometry as { type: string }).type !== 'Point');
    const areas: NamedArea[] = subdistricts.map((d) => ({ id: d.code, name: d.name, boundary: parseBoundary(d.geometry, d.name) }));
    const summaries: Record<string, unknown>[] = summarizeCoverage(result, areas).map(({ id, ...s }) => ({ level: 'subdistrict', code: id, subdistrictCode: id, ...s }));
    const communities = divisions.filter((d) => d.level === 'community' && (d.geometry as { type?: string } | null)?.type === 'Point');
    if (communities.length > 0) {
      const members = new Map<string, typeof result.cells>();
      for (const cell of result.cells) {
        const sub = subdistricts.find((d) => pointInRing([cell.lon, cell.lat], (d.geometry as { coordinates: Ring[] }).coordinates[0]!));
        const pool = communities.filter((c) => !sub || c.parent_code === sub.code);
        let best = pool[0] ?? communities[0]!;
        let bestDistance = Infinity;
        for (const community of pool.length > 0 ? pool : communities) {
          const [x, y] = (community.geometry as { coordinates: [number, number] }).coordinates;
          const distance = (x - cell.lon) ** 2 * Math.cos((cell.lat * Math.PI) / 180) ** 2 + (y - cell.lat) ** 2;
          if (distance < bestDistance) {
            bestDistance = distance;
            best = community;
          }
        }
        const list = members.get(best.code);
        if (list) list.push(cell);
        else members.set(best.code, [cell]);
      }
      for (const community of communities) {
        const cells = members.get(community.code) ?? [];
        summaries.push({ level: 'community', code: community.code, subdistrictCode: community.parent_code, name: community.name, method: result.method, ...summarizeCells(result, cells) });
      }
    }
    return summaries;
  }
}
