import fs from 'node:fs';
import { DEFAULT_DETOUR_FACTOR, DEFAULT_WALKING_PROFILE, readGraphFile, type WalkGraph } from '@coedu/reach';

/** Facts about the loaded walking graph, safe to show to users. */
export interface GraphInfo {
  file: string;
  source: string;
  builtAt: string;
  nodes: number;
  edges: number;
  hasElevation: boolean;
  demTiles: string[];
}

/**
 * The walking graph this process answers from. With a graph file every answer is `method: "network"`; without one
 * (the Yuzhong demo ships none) answers are `method: "estimate"`: straight-line distance × a detour factor calibrated
 * on real graphs (docs/WALKING-MODEL.md).
 */
export class ReachEngine {
  private constructor(
    readonly graph: WalkGraph | null,
    readonly info: GraphInfo | null,
  ) {}

  static async load(graphFile: string | null): Promise<ReachEngine> {
    if (!graphFile) return new ReachEngine(null, null);
    if (!fs.existsSync(graphFile)) throw new Error(`COEDU_GRAPH_FILE ${graphFile} does not exist; build one with \`npx coedu graph build\``);
    const graph = await readGraphFile(graphFile);
    return ReachEngine.fromGraph(graph, graphFile);
  }

  static fromGraph(graph: WalkGraph | null, file = '(in memory)'): ReachEngine {
    if (!graph) return new ReachEngine(null, null);
    return new ReachEngine(graph, {
      file,
      source: graph.meta.source,
      builtAt: graph.meta.builtAt,
      nodes: graph.nodeCount,
      edges: graph.edgeCount,
      hasElevation: graph.meta.hasElevation,
      demTiles: graph.meta.demTiles,
    });
  }

  get method(): 'network' | 'estimate' {
    return this.graph ? 'network' : 'estimate';
  }

  get detourFactor(): number {
    return DEFAULT_DETOUR_FACTOR;
  }

  get flatSpeedMps(): number {
    return this.graph?.meta.profile.flatSpeedMps ?? DEFAULT_WALKING_PROFILE.flatSpeedMps;
  }
}
