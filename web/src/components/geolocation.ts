/** Why the device's position could not be had. */
export type LocateProblem = 'unsupported' | 'denied' | 'unavailable';

export class LocateError extends Error {
  constructor(readonly problem: LocateProblem) {
    super(`position ${problem}`);
  }
}

/** Rounds a coordinate to 6 decimals (about 0.1 m): what we send and store. */
export const round6 = (x: number) => Math.round(x * 1e6) / 1e6;

/**
 * The device's position once, as [lon, lat] in WGS-84 (what browsers report, and the API's default system), rounded
 * to 6 decimals. Coarse and cached up to 5 minutes: "near me" needs a street, not a door. Rejects with a LocateError.
 */
export function locateOnce(): Promise<[number, number]> {
  return new Promise((resolve, reject) => {
    if (!('geolocation' in navigator)) {
      reject(new LocateError('unsupported'));
      return;
    }
    navigator.geolocation.getCurrentPosition(
      (position) => resolve([round6(position.coords.longitude), round6(position.coords.latitude)]),
      (error) => reject(new LocateError(error.code === error.PERMISSION_DENIED ? 'denied' : 'unavailable')),
      { enableHighAccuracy: false, timeout: 10_000, maximumAge: 300_000 },
    );
  });
}
