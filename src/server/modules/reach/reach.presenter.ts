import type { z } from '@hono/zod-openapi';
import type { CoverageRunRow, listCoverageCells } from './reach.repository.ts';
import type { CoverageCellsSchema, CoverageRunSchema } from './reach.schema.ts';

export function presentCoverageRun(row: CoverageRunRow): z.infer<typeof CoverageRunSchema> {
  return {
    id: row.id,
    createdAt: new Date(row.created_at).toISOString(),
    method: row.method,
    cellM: row.cell_m,
    minutes: row.minutes,
    categories: row.categories as string[],
    venueCount: (row.venues as unknown[]).length,
    cellCount: row.cell_count,
    graph: row.graph_info as Record<string, unknown> | null,
    summary: row.summary as z.infer<typeof CoverageRunSchema>['summary'],
    areaSummaries: row.area_summaries as z.infer<typeof CoverageRunSchema>['areaSummaries'],
    areasIllustrative: row.areas_illustrative,
  };
}

type CellRow = Awaited<ReturnType<typeof listCoverageCells>>[number];

export function presentCoverageCells(run: CoverageRunRow, cells: CellRow[]): z.infer<typeof CoverageCellsSchema> {
  return {
    type: 'FeatureCollection',
    method: run.method,
    crs: 'WGS-84',
    runId: run.id,
    minutes: run.minutes,
    categories: run.categories as string[],
    features: cells.map((cell) => {
      const minutes = cell.minutes as Record<string, number | null>;
      const known = Object.values(minutes).filter((m): m is number => m !== null);
      return {
        type: 'Feature' as const,
        properties: {
          idx: cell.idx,
          reachable: cell.reachable,
          minutes,
          nearestMinutes: known.length > 0 ? Math.min(...known) : null,
          venuesWithin: cell.venues_within,
        },
        geometry: cell.geometry as { type: string; coordinates: unknown },
      };
    }),
  };
}
