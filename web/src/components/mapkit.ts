// What every MapLibre map of the app shares: an offline style (our own GeoJSON only: no tiles, sprite or glyphs),
// the same controls, bounds and label helpers. Imported only by lazily loaded pages, so MapLibre stays out of the
// main bundle.
import maplibregl, { type GeoJSONSource, type StyleSpecification } from 'maplibre-gl';
import type { Position } from 'geojson';
import type { AreaGeometry, OrgKind } from '../types.ts';

export const ORG_KIND_COLOURS: Record<OrgKind, string> = {
  guidance_centre: '#c2410c',
  school: '#2563eb',
  community_parent_school: '#059669',
  venue: '#9333ea',
};

/** A style with no remote sources, no sprite and no glyphs: the bundle works offline. */
export const OFFLINE_STYLE: StyleSpecification = {
  version: 8,
  sources: {},
  layers: [{ id: 'background', type: 'background', paint: { 'background-color': '#eef1ec' } }],
};

export type Bounds = [[number, number], [number, number]];

/** Where the map opens when there is nothing to fit (Yuzhong's peninsula, the demo district). */
const FALLBACK_CENTER: [number, number] = [106.57, 29.555];

/** Any GeoJSON geometry (or the loose shape the API schemas declare). */
type AnyGeometry = { type: string; coordinates?: unknown; geometries?: AnyGeometry[] } | null | undefined;

/** The outer rings of areas, and lines and points as "rings" too: what bounds and label points are made of. */
export function outerRings(geometry: AnyGeometry): Position[][] {
  if (!geometry) return [];
  const c = geometry.coordinates;
  switch (geometry.type) {
    case 'Polygon':
      return (c as Position[][]).slice(0, 1);
    case 'MultiPolygon':
      return (c as Position[][][]).map((p) => p[0]).filter(Boolean);
    case 'LineString':
    case 'MultiPoint':
      return [c as Position[]];
    case 'MultiLineString':
      return c as Position[][];
    case 'Point':
      return [[c as Position]];
    case 'GeometryCollection':
      return (geometry.geometries ?? []).flatMap(outerRings);
    default:
      return [];
  }
}

export function boundsOf(features: { geometry: AnyGeometry }[]): Bounds | null {
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (const f of features) {
    for (const ring of outerRings(f.geometry)) {
      for (const [x, y] of ring) {
        if (x < minX) minX = x;
        if (y < minY) minY = y;
        if (x > maxX) maxX = x;
        if (y > maxY) maxY = y;
      }
    }
  }
  return Number.isFinite(minX) ? [[minX, minY], [maxX, maxY]] : null;
}

/** Area-weighted centroid of the largest outer ring: where a subdistrict's label goes. */
export function labelPoint(geometry: AreaGeometry | null): [number, number] | null {
  let best: { area: number; x: number; y: number } | null = null;
  for (const ring of outerRings(geometry)) {
    let a = 0;
    let cx = 0;
    let cy = 0;
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      const [x0, y0] = ring[j];
      const [x1, y1] = ring[i];
      const cross = x0 * y1 - x1 * y0;
      a += cross;
      cx += (x0 + x1) * cross;
      cy += (y0 + y1) * cross;
    }
    if (a === 0) continue;
    const area = Math.abs(a / 2);
    if (!best || area > best.area) best = { area, x: cx / (3 * a), y: cy / (3 * a) };
  }
  return best ? [best.x, best.y] : null;
}

export function webglAvailable(): boolean {
  try {
    const canvas = document.createElement('canvas');
    return !!(canvas.getContext('webgl2') || canvas.getContext('webgl'));
  } catch {
    return false;
  }
}

/** A map on the offline style, fitted to `bounds`, with zoom buttons and a metric scale; no rotation or pitch. */
export function createOfflineMap(container: HTMLElement, bounds: Bounds | null): maplibregl.Map {
  const map = new maplibregl.Map({
    container,
    style: OFFLINE_STYLE,
    bounds: bounds ?? undefined,
    fitBoundsOptions: { padding: 24 },
    center: bounds ? undefined : FALLBACK_CENTER,
    zoom: bounds ? undefined : 12,
    attributionControl: false,
    dragRotate: false,
    pitchWithRotate: false,
    touchPitch: false,
  });
  map.touchZoomRotate.disableRotation();
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }), 'top-right');
  map.addControl(new maplibregl.ScaleControl({ unit: 'metric' }), 'bottom-left');
  return map;
}

/** Replaces the data of a GeoJSON source added earlier (no-op when the source is not there). */
export function setSourceData(map: maplibregl.Map, id: string, data: GeoJSON.GeoJSON): void {
  const source = map.getSource(id) as GeoJSONSource | undefined;
  source?.setData(data);
}

export const EMPTY_COLLECTION: GeoJSON.FeatureCollection = { type: 'FeatureCollection', features: [] };

/** A round HTML marker with a short text (a letter or a number): glyph-free styles cannot draw text themselves. */
export function badgeElement(text: string, className: string, label?: string): HTMLElement {
  const el = document.createElement('div');
  el.className = `map-badge ${className}`;
  el.textContent = text;
  if (label) {
    el.setAttribute('role', 'img');
    el.setAttribute('aria-label', label);
    el.title = label;
  }
  return el;
}
