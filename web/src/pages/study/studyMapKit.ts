// Map pieces of the study pages (imported only by lazily loaded pages, like ../../components/mapkit.ts, whose offline
// style and helpers they share).
import maplibregl from 'maplibre-gl';
import type { Feature, FeatureCollection, LineString } from 'geojson';
import { labelPoint } from '../../components/mapkit.ts';
import type { BaseFeature, StudyRoute, TaxonomyTerm } from './studyApi.ts';
import type { DistrictContext } from './useDistrict.ts';

/** Eight distinct colours for the eight base categories, in the taxonomy's own order (more terms cycle). */
export const CATEGORY_PALETTE = ['#c0392b', '#16a085', '#e67e22', '#8e44ad', '#2e86de', '#7f5539', '#c99a06', '#3f9b0b'];
export const NO_CATEGORY_COLOUR = '#64748b';

export function categoryColours(terms: TaxonomyTerm[]): Map<string, string> {
  const sorted = [...terms].sort((a, b) => a.sortOrder - b.sortOrder);
  return new Map(sorted.map((term, i) => [term.code, CATEGORY_PALETTE[i % CATEGORY_PALETTE.length]]));
}

/** Bases as flat GeoJSON for MapLibre (it hands nested properties back as JSON strings): id, name, first category, colour. */
export function baseCollection(features: BaseFeature[], colours: Map<string, string>): FeatureCollection {
  return {
    type: 'FeatureCollection',
    features: features.map((f) => {
      const category = f.properties.categories[0]?.code ?? '';
      return {
        type: 'Feature',
        geometry: f.geometry,
        properties: { id: f.properties.id, name: f.properties.name, category, colour: colours.get(category) ?? NO_CATEGORY_COLOUR },
      };
    }),
  };
}

/** The walking legs of a route as lines (each with its method: estimates are drawn dashed). */
export function legCollection(route: StudyRoute): FeatureCollection<LineString> {
  const features: Feature<LineString>[] = [];
  for (const stop of route.stops) {
    if (stop.legToNext?.geometry?.type === 'LineString') {
      features.push({ type: 'Feature', geometry: stop.legToNext.geometry, properties: { from: stop.position, method: stop.legToNext.method } });
    }
  }
  return { type: 'FeatureCollection', features };
}

export function stopCollection(route: StudyRoute): FeatureCollection {
  return {
    type: 'FeatureCollection',
    features: route.stops
      .filter((s) => s.lon !== null && s.lat !== null)
      .map((s) => ({ type: 'Feature', geometry: { type: 'Point', coordinates: [s.lon!, s.lat!] }, properties: { position: s.position, name: s.name } })),
  };
}

/** Adds the leg lines and stop dots of a route (sources "route-legs", "route-stops") to a loaded map. */
export function addRouteLayers(map: maplibregl.Map, route: StudyRoute): void {
  map.addSource('route-legs', { type: 'geojson', data: legCollection(route) });
  map.addSource('route-stops', { type: 'geojson', data: stopCollection(route) });
  map.addLayer({
    id: 'route-leg-casing',
    type: 'line',
    source: 'route-legs',
    layout: { 'line-cap': 'round', 'line-join': 'round' },
    paint: { 'line-color': '#ffffff', 'line-width': 8 },
  });
  map.addLayer({
    id: 'route-leg-line',
    type: 'line',
    source: 'route-legs',
    layout: { 'line-cap': 'round', 'line-join': 'round' },
    paint: { 'line-color': '#1d4ed8', 'line-width': 4.5 },
  });
  map.addLayer({
    id: 'route-leg-estimate',
    type: 'line',
    source: 'route-legs',
    filter: ['==', ['get', 'method'], 'estimate'],
    paint: { 'line-color': '#ffffff', 'line-width': 2, 'line-dasharray': [1, 2] },
  });
  map.addLayer({
    id: 'route-stop-dot',
    type: 'circle',
    source: 'route-stops',
    paint: { 'circle-radius': 11, 'circle-color': '#c2410c', 'circle-stroke-color': '#ffffff', 'circle-stroke-width': 2.5 },
  });
}

/** A numbered stop marker (HTML: a glyph-free style cannot draw the number itself). */
export function stopMarker(position: number, label: string): maplibregl.Marker {
  const el = document.createElement('div');
  el.className = 'study-stop-badge';
  el.textContent = String(position);
  el.setAttribute('role', 'img');
  el.setAttribute('aria-label', label);
  el.title = label;
  return new maplibregl.Marker({ element: el });
}

/** The district outline and subdistricts behind the bases (context only; nothing when not loaded). */
export function addDistrictContext(map: maplibregl.Map, context: DistrictContext | null): void {
  if (!context) return;
  if (context.subdistricts) {
    map.addSource('subdistricts', { type: 'geojson', data: context.subdistricts });
    map.addLayer({ id: 'subdistrict-fill', type: 'fill', source: 'subdistricts', paint: { 'fill-color': '#dfe7df', 'fill-opacity': 0.9 } });
    map.addLayer({ id: 'subdistrict-line', type: 'line', source: 'subdistricts', paint: { 'line-color': '#ffffff', 'line-width': 1.5 } });
  }
  if (context.district) {
    map.addSource('district', { type: 'geojson', data: context.district });
    map.addLayer({ id: 'district-line', type: 'line', source: 'district', paint: { 'line-color': '#2f6f5e', 'line-width': 2.5 } });
  }
}

/** Where each subdistrict's name goes (HTML labels: the style has no glyphs). */
export function subdistrictLabels(context: DistrictContext | null): { name: string; at: [number, number] }[] {
  return (context?.subdistricts?.features ?? []).flatMap((f) => {
    const at = labelPoint(f.geometry);
    return at ? [{ name: String(f.properties?.name ?? ''), at }] : [];
  });
}
