import type { Feature, FeatureCollection } from 'geojson';
import { api } from '../../api.ts';
import { useAsync } from '../../components/ui.tsx';
import type { AreaGeometry, RegistryMap } from '../../types.ts';

/** The district outline and its subdistricts, drawn behind bases and routes for orientation. */
export interface DistrictContext {
  district: Feature | null;
  subdistricts: FeatureCollection<AreaGeometry, { code: string; name: string }> | null;
}

/**
 * Loads the district's areas once (GET /api/registry/map, for signed-in users). Context only: when it cannot be loaded
 * the maps are drawn without it. `settled` says the answer (or its failure) is in, so a map is built once.
 */
export function useDistrictContext(): { context: DistrictContext | null; settled: boolean } {
  const { data, loading } = useAsync(
    (signal) =>
      api
        .get<RegistryMap>('/api/registry/map', undefined, { signal })
        .then((m): DistrictContext => ({ district: m.district as Feature, subdistricts: m.subdistricts }))
        .catch((error: unknown) => {
          if ((error as { name?: string })?.name === 'AbortError') throw error;
          return null;
        }),
    [],
  );
  return { context: data ?? null, settled: !loading };
}
