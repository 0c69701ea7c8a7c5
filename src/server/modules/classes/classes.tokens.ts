import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Short-lived signed check-in codes. Two kinds, both HMAC-SHA256 over the server's check-in secret and a 30-second
 * window number, so that any app instance sharing the secret can issue and verify them without storing anything:
 *
 * - the session code staff show on a screen (`S1.<sessionId>.<window>.<sig>`) and guardians scan with their phone;
 *   it also has a 6-digit form to type in when a camera is not at hand;
 * - a guardian's pass (`P1.<sessionId>.<guardianUserId>.<window>.<sig>`) shown on the guardian's phone and scanned
 *   by staff.
 *
 * A code is accepted in its own window and the next one (so it lives 30–60 s); a window ahead of the server's clock
 * by more than one is refused as forged, an older one as expired.
 */
export const WINDOW_SECONDS = 30;
const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const SESSION_TOKEN = new RegExp(`^S1\\.(${UUID})\\.(\\d{1,12})\\.([A-Za-z0-9_-]{22})$`);
const PASS_TOKEN = new RegExp(`^P1\\.(${UUID})\\.(${UUID})\\.(\\d{1,12})\\.([A-Za-z0-9_-]{22})$`);

export function windowAt(nowMs: number): number {
  return Math.floor(nowMs / 1000 / WINDOW_SECONDS);
}

function sign(secret: Buffer, message: string): Buffer {
  return createHmac('sha256', secret).update(message).digest();
}

function sig22(secret: Buffer, message: string): string {
  return sign(secret, message).subarray(0, 16).toString('base64url');
}

function equal(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export type TokenCheck<T> = { ok: true; value: T } | { ok: false; reason: 'invalid' | 'expired' };

function checkWindow(window: number, nowMs: number): 'ok' | 'invalid' | 'expired' {
  const current = windowAt(nowMs);
  if (window > current + 1) return 'invalid';
  if (window < current - 1) return 'expired';
  return 'ok';
}

export function sessionCode(secret: Buffer, sessionId: string, nowMs: number) {
  const window = windowAt(nowMs);
  const token = `S1.${sessionId}.${window}.${sig22(secret, `S1|${sessionId}|${window}`)}`;
  return { token, digits: sessionDigits(secret, sessionId, window), window, expiresAt: new Date((window + 2) * WINDOW_SECONDS * 1000), rotatesAt: new Date((window + 1) * WINDOW_SECONDS * 1000) };
}

/** The 6-digit form of a session code for a window (typed by hand). */
export function sessionDigits(secret: Buffer, sessionId: string, window: number): string {
  const mac = sign(secret, `S1-digits|${sessionId}|${window}`);
  return String(mac.readUInt32BE(0) % 1_000_000).padStart(6, '0');
}

export function verifySessionToken(secret: Buffer, token: string, nowMs: number): TokenCheck<{ sessionId: string; window: number }> {
  const match = SESSION_TOKEN.exec(token);
  if (!match) return { ok: false, reason: 'invalid' };
  const [, sessionId, windowText, sig] = match as unknown as [string, string, string, string];
  const window = Number(windowText);
  if (!equal(sig, sig22(secret, `S1|${sessionId}|${window}`))) return { ok: false, reason: 'invalid' };
  const when = checkWindow(window, nowMs);
  if (when !== 'ok') return { ok: false, reason: when };
  return { ok: true, value: { sessionId, window } };
}

/** Checks typed digits against the current and the previous window of one session. */
export function verifySessionDigits(secret: Buffer, sessionId: string, digits: string, nowMs: number): TokenCheck<{ window: number }> {
  const current = windowAt(nowMs);
  for (const window of [current, current - 1]) {
    if (equal(digits, sessionDigits(secret, sessionId, window))) return { ok: true, value: { window } };
  }
  // The previous codes are reported as expired (a slow typist), anything else as invalid.
  for (let window = current - 2; window >= current - 10; window--) {
    if (equal(digits, sessionDigits(secret, sessionId, window))) return { ok: false, reason: 'expired' };
  }
  return { ok: false, reason: 'invalid' };
}

export function passToken(secret: Buffer, sessionId: string, guardianUserId: string, nowMs: number) {
  const window = windowAt(nowMs);
  const token = `P1.${sessionId}.${guardianUserId}.${window}.${sig22(secret, `P1|${sessionId}|${guardianUserId}|${window}`)}`;
  return { token, window, expiresAt: new Date((window + 2) * WINDOW_SECONDS * 1000), rotatesAt: new Date((window + 1) * WINDOW_SECONDS * 1000) };
}

export function verifyPassToken(secret: Buffer, token: string, nowMs: number): TokenCheck<{ sessionId: string; guardianUserId: string }> {
  const match = PASS_TOKEN.exec(token);
  if (!match) return { ok: false, reason: 'invalid' };
  const [, sessionId, guardianUserId, windowText, sig] = match as unknown as [string, string, string, string, string];
  const window = Number(windowText);
  if (!equal(sig, sig22(secret, `P1|${sessionId}|${guardianUserId}|${window}`))) return { ok: false, reason: 'invalid' };
  const when = checkWindow(window, nowMs);
  if (when !== 'ok') return { ok: false, reason: when };
  return { ok: true, value: { sessionId, guardianUserId } };
}
