import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import QrScanner from 'qr-scanner';
import { useSession } from '../../session.tsx';
import { classesErrorText, newKey, postWithKey } from './classesApi.ts';

/** What a scanned code asks for: a guardian's pass for this session, another session's pass, or something else. */
export function readPass(text: string, sessionId: string, origin: string): { token: string } | { problem: 'other_session' | 'not_a_pass' } {
  let url: URL;
  try {
    url = new URL(text, origin);
  } catch {
    return { problem: 'not_a_pass' };
  }
  const match = /^\/classes\/sessions\/([0-9a-f-]{36})\/desk$/.exec(url.pathname);
  const token = url.searchParams.get('p');
  if (!match || !token || url.origin !== origin) return { problem: 'not_a_pass' };
  if (match[1] !== sessionId) return { problem: 'other_session' };
  return { token };
}

interface Scan {
  at: number;
  tone: 'ok' | 'problem';
  text: string;
}

/**
 * The check-in desk's camera: scans guardians' passes one after another without leaving the page (the QR decoding
 * runs in the browser, in a worker; nothing is sent anywhere but our own API). The same pass is not sent twice within
 * a few seconds, so holding a phone in front of the camera checks in once.
 */
export default function PassScanner({ sessionId, nameOf, onCheckedIn, onClose }: { sessionId: string; nameOf: (guardianUserId: string) => string | null; onCheckedIn: () => void; onClose: () => void }) {
  const { t } = useTranslation();
  const { session: me } = useSession();
  const video = useRef<HTMLVideoElement>(null);
  const [state, setState] = useState<'starting' | 'scanning' | 'no_camera'>('starting');
  const [scans, setScans] = useState<Scan[]>([]);
  const recent = useRef(new Map<string, number>());
  const handler = useRef<(text: string) => void>(() => undefined);

  handler.current = (text: string) => {
    const now = Date.now();
    for (const [key, at] of recent.current) if (now - at > 5000) recent.current.delete(key);
    if (recent.current.has(text)) return;
    recent.current.set(text, now);
    const pass = readPass(text, sessionId, window.location.origin);
    const add = (scan: Omit<Scan, 'at'>) => setScans((list) => [{ ...scan, at: now }, ...list].slice(0, 8));
    if ('problem' in pass) {
      add({ tone: 'problem', text: t(`classes.scanner.${pass.problem}`) });
      return;
    }
    postWithKey<{ guardianUserId: string }>(`/api/classes/sessions/${sessionId}/check-ins/scan`, { token: pass.token }, newKey(), me?.csrfToken ?? null)
      .then((result) => {
        add({ tone: 'ok', text: t('classes.scanner.checkedIn', { name: nameOf(result.guardianUserId) ?? t('classes.scanner.someone') }) });
        onCheckedIn();
      })
      .catch((error: unknown) => add({ tone: 'problem', text: classesErrorText(t, error) }));
  };

  useEffect(() => {
    if (!video.current) return;
    const scanner = new QrScanner(video.current, (result) => handler.current(result.data), {
      returnDetailedScanResult: true,
      preferredCamera: 'environment',
      maxScansPerSecond: 8,
      // The whole frame (downscaled), not the library's default centre square of 2/3: a pass held close fills the
      // picture, and its finder patterns must not be cut off.
      calculateScanRegion: (v) => {
        const scale = Math.min(1, 720 / Math.max(v.videoWidth, v.videoHeight));
        return { x: 0, y: 0, width: v.videoWidth, height: v.videoHeight, downScaledWidth: Math.round(v.videoWidth * scale), downScaledHeight: Math.round(v.videoHeight * scale) };
      },
    });
    let stopped = false;
    scanner
      .start()
      .then(() => !stopped && setState('scanning'))
      .catch(() => !stopped && setState('no_camera'));
    return () => {
      stopped = true;
      scanner.stop();
      scanner.destroy();
    };
  }, []);

  return (
    <section className="card classes-scanner" data-testid="pass-scanner" data-state={state}>
      <div className="page-head">
        <h2>{t('classes.scanner.title')}</h2>
        <button type="button" className="btn btn-small btn-quiet" onClick={onClose}>
          {t('classes.scanner.close')}
        </button>
      </div>
      {state === 'no_camera' ? <p className="notice notice-warning">{t('classes.scanner.noCamera')}</p> : <p className="muted small">{t('classes.scanner.hint')}</p>}
      <video ref={video} className="classes-scanner-video" muted playsInline />
      <ul className="classes-scans" data-testid="scans" aria-live="polite">
        {scans.map((s) => (
          <li key={s.at} className={s.tone === 'ok' ? 'classes-scan-ok' : 'classes-scan-problem'}>
            {s.text}
          </li>
        ))}
      </ul>
    </section>
  );
}
