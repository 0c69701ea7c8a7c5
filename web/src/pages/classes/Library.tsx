// The online course library's parent side: open an entry (play video/audio from our own storage, read an article,
// download a document), progress saved as you go, "continue" and "for you" lists; staff upload an entry's file.
import { useCallback, useEffect, useRef, useState, type ReactNode } from 'react';
import { Link, useParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import { api, isApiError } from '../../api.ts';
import { Loading, useAction, useAsync, usePageTitle } from '../../components/ui.tsx';
import { hasRole, useSession } from '../../session.tsx';
import './classes.css';
import { classesErrorText, type Course, type LibraryEntry, type LibraryProgress, type MyLearning, type RecommendationReason, type Recommendations } from './classesApi.ts';

function Problem({ error }: { error: unknown }) {
  const { t } = useTranslation();
  if (!error) return null;
  return (
    <div className="notice notice-error" role="alert" data-testid="error">
      <p>{classesErrorText(t, error)}</p>
    </div>
  );
}

/** "My learning" for guardians; null for anyone else (staff without a family get 403, which is not an error here). */
async function loadMine(signal: AbortSignal): Promise<MyLearning | null> {
  try {
    return await api.get<MyLearning>('/api/classes/library/mine', undefined, { signal });
  } catch (error) {
    if (isApiError(error) && (error.status === 403 || error.status === 401)) return null;
    throw error;
  }
}

export function reasonLine(t: TFunction, reasons: RecommendationReason[]): string {
  return reasons
    .map((r) => {
      if (r.kind === 'age') return t('classes.lib.reasonAge', { min: r.ageMin, max: r.ageMax });
      if (r.kind === 'completed') return t('classes.lib.reasonCompleted', { title: r.title });
      if (r.kind === 'booked') return t('classes.lib.reasonBooked', { title: r.title });
      return t('classes.lib.reasonTier', { tier: t(`classes.tiers.${r.tier}`) });
    })
    .join(t('classes.lib.reasonJoin'));
}

function FileBadge({ entry }: { entry: { file: LibraryEntry['file'] } }) {
  const { t } = useTranslation();
  if (!entry.file) return <span className="muted small" data-testid="library-no-file">{t('classes.lib.noFileShort')}</span>;
  return (
    <span className="classes-kind" data-testid="library-file-kind">
      {t(`classes.lib.kinds.${entry.file.mediaKind}`)}
      {entry.file.demo ? ` · ${t('classes.lib.demoFile')}` : ''}
    </span>
  );
}

/** "继续学习" and "为你推荐" (guardians only; nothing for others). `limit`: how many of each to show. */
export function LibraryForYou({ limit = 5 }: { limit?: number }) {
  const { t } = useTranslation();
  const { session } = useSession();
  const mine = useAsync((signal) => (session ? loadMine(signal) : Promise.resolve(null)), [session?.user.id]);
  const recommended = useAsync(
    (signal) => (mine.data ? api.get<Recommendations>('/api/classes/library/recommendations', { limit }, { signal }) : Promise.resolve(null)),
    [mine.data ? 'guardian' : 'other', limit],
  );
  if (!mine.data) return <Problem error={mine.error} />;
  const family = mine.data.families[0];
  return (
    <div className="library-for-you">
      <section data-testid="library-continue">
        <h2>{t('classes.lib.continue')}</h2>
        {mine.data.inProgress.length === 0 ? (
          <p className="muted">{t('classes.lib.continueNone')}</p>
        ) : (
          <ul className="classes-list">
            {mine.data.inProgress.slice(0, limit).map(({ course, progress }) => (
              <li key={course.id} className="card classes-session">
                <FileBadge entry={course} /> <span className="muted small">{t('classes.lib.percent', { n: progress.percent })}</span>
                <h3>
                  <Link to={`/classes/library/${course.id}`}>{course.title}</Link>
                </h3>
                <progress max={100} value={progress.percent} aria-label={t('classes.lib.percent', { n: progress.percent })} />
              </li>
            ))}
          </ul>
        )}
        {family && (
          <p className="muted small" data-testid="library-family-completed">
            {t('classes.lib.familyCompleted', { family: family.name, n: family.completed })}
          </p>
        )}
      </section>
      <section data-testid="library-recommended">
        <h2>{t('classes.lib.forYou')}</h2>
        <Problem error={recommended.error} />
        {recommended.data && recommended.data.items.length === 0 && <p className="muted">{t('classes.lib.forYouNone')}</p>}
        <ul className="classes-list">
          {recommended.data?.items.map(({ course, reasons }) => (
            <li key={course.id} className="card classes-session">
              <span className="classes-kind">{t(`classes.tiers.${course.tier}`)}</span> <FileBadge entry={course} />
              <h3>
                <Link to={`/classes/library/${course.id}`}>{course.title}</Link>
              </h3>
              <p className="small library-reason">{reasonLine(t, reasons)}</p>
            </li>
          ))}
        </ul>
      </section>
    </div>
  );
}

/** Saves progress at most every `everyMs` while playing, and at once on pause and end. */
function useProgressSaver(courseId: string, enabled: boolean, onSaved: (p: LibraryProgress) => void) {
  const last = useRef(0);
  const [error, setError] = useState<unknown>(null);
  const save = useCallback(
    async (positionSeconds: number, percent: number, completed?: boolean) => {
      if (!enabled) return;
      try {
        const saved = await api.put<LibraryProgress>(`/api/classes/library/${courseId}/progress`, {
          positionSeconds: Math.max(0, Math.min(86400, Math.floor(positionSeconds))),
          percent: Math.max(0, Math.min(100, Math.round(percent))),
          ...(completed ? { completed: true } : {}),
        });
        setError(null);
        onSaved(saved);
      } catch (e) {
        setError(e);
      }
    },
    [courseId, enabled, onSaved],
  );
  const throttled = useCallback(
    (positionSeconds: number, percent: number, everyMs = 10_000) => {
      const now = Date.now();
      if (now - last.current < everyMs) return;
      last.current = now;
      void save(positionSeconds, percent);
    },
    [save],
  );
  return { save, throttled, error };
}

/** A small, safe Markdown reader: headings, lists, quotes and paragraphs as React text (never HTML). */
function Article({ text }: { text: string }) {
  const blocks: ReactNode[] = [];
  let list: string[] = [];
  const flush = () => {
    if (list.length > 0) blocks.push(<ul key={`l${blocks.length}`}>{list.map((item, i) => <li key={i}>{item}</li>)}</ul>);
    list = [];
  };
  for (const line of text.split(/\r?\n/)) {
    const trimmed = line.trim();
    const item = /^(?:[-*]|\d+\.)\s+(.*)$/.exec(trimmed);
    if (item) {
      list.push(item[1]!);
      continue;
    }
    flush();
    if (!trimmed) continue;
    const heading = /^(#{1,6})\s+(.*)$/.exec(trimmed);
    if (heading) blocks.push(heading[1]!.length === 1 ? <h2 key={blocks.length}>{heading[2]}</h2> : <h3 key={blocks.length}>{heading[2]}</h3>);
    else if (trimmed.startsWith('>')) blocks.push(<blockquote key={blocks.length}>{trimmed.replace(/^>\s?/, '')}</blockquote>);
    else blocks.push(<p key={blocks.length}>{trimmed}</p>);
  }
  flush();
  return <article className="library-article" data-testid="library-article">{blocks}</article>;
}

function Player({ course, progress, guardian, onSaved }: { course: Course; progress: LibraryProgress | null; guardian: boolean; onSaved: (p: LibraryProgress) => void }) {
  const { t } = useTranslation();
  const file = course.file!;
  const { save, throttled, error } = useProgressSaver(course.id, guardian, onSaved);
  const media = useRef<HTMLMediaElement | null>(null);
  const [text, setText] = useState<string | null>(null);
  const [textError, setTextError] = useState<unknown>(null);

  useEffect(() => {
    if (file.mediaKind !== 'article') return;
    const controller = new AbortController();
    fetch(file.url, { credentials: 'same-origin', signal: controller.signal })
      .then(async (response) => {
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        setText(await response.text());
        // Opening an article counts as started; finishing is the reader's "I have read it".
        if (!progress) void save(0, 10);
      })
      .catch((e) => {
        if ((e as { name?: string }).name !== 'AbortError') setTextError(e);
      });
    return () => controller.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [file.url, file.mediaKind]);

  const mediaHandlers = {
    onLoadedMetadata: () => {
      const el = media.current;
      if (el && progress && !progress.completedAt && progress.positionSeconds > 0 && progress.positionSeconds < el.duration) el.currentTime = progress.positionSeconds;
    },
    onTimeUpdate: () => {
      const el = media.current;
      if (el && el.duration > 0) throttled(el.currentTime, (el.currentTime / el.duration) * 100);
    },
    onPause: () => {
      const el = media.current;
      if (el && el.duration > 0 && !el.ended) void save(el.currentTime, (el.currentTime / el.duration) * 100);
    },
    onEnded: () => {
      const el = media.current;
      void save(el?.duration ?? 0, 100, true);
    },
  };

  return (
    <div className="library-player">
      {file.demo && <p className="notice" data-testid="library-demo-label">{t('classes.lib.demoNotice')}</p>}
      {file.mediaKind === 'video' && <video ref={(el) => void (media.current = el)} controls preload="metadata" src={file.url} className="library-video" data-testid="library-video" {...mediaHandlers} />}
      {file.mediaKind === 'audio' && <audio ref={(el) => void (media.current = el)} controls preload="metadata" src={file.url} data-testid="library-audio" {...mediaHandlers} />}
      {file.mediaKind === 'article' && (text !== null ? <Article text={text} /> : textError ? <Problem error={textError} /> : <Loading />)}
      {file.mediaKind === 'document' && (
        <p>
          <a className="btn" href={file.url} download={file.fileName} data-testid="library-download" onClick={() => void save(0, 50)}>
            {t('classes.lib.download', { name: file.fileName })}
          </a>{' '}
          <span className="muted small">{Math.ceil(file.byteSize / 1024)} KB</span>
        </p>
      )}
      {guardian && (file.mediaKind === 'article' || file.mediaKind === 'document') && !progress?.completedAt && (
        <button type="button" className="btn btn-primary" data-testid="library-mark-done" onClick={() => void save(0, 100, true)}>
          {t('classes.lib.markDone')}
        </button>
      )}
      <Problem error={error} />
    </div>
  );
}

function UploadForm({ course, onDone }: { course: Course; onDone: () => void }) {
  const { t } = useTranslation();
  const [file, setFile] = useState<File | null>(null);
  const action = useAction();
  return (
    <form
      className="card"
      onSubmit={async (e) => {
        e.preventDefault();
        if (!file) return;
        const done = await action.run(() => api.upload(`/api/classes/library/${course.id}/file?fileName=${encodeURIComponent(file.name)}`, file));
        if (done) onDone();
      }}
    >
      <h2>{course.file ? t('classes.lib.replaceFile') : t('classes.lib.uploadFile')}</h2>
      <p className="muted small">{t('classes.lib.uploadHint')}</p>
      <input type="file" accept="video/mp4,video/webm,audio/*,application/pdf,text/markdown,text/plain,.md" onChange={(e) => setFile(e.target.files?.[0] ?? null)} />
      <button type="submit" className="btn" disabled={!file || action.busy}>
        {t('classes.lib.upload')}
      </button>
      <Problem error={action.error} />
    </form>
  );
}

/** /classes/library/:id — one entry. */
export function LibraryItemPage() {
  const { t } = useTranslation();
  const { id = '' } = useParams();
  const { session } = useSession();
  const course = useAsync((signal) => api.get<Course>(`/api/classes/courses/${id}`, undefined, { signal }), [id]);
  const mine = useAsync((signal) => (session ? loadMine(signal) : Promise.resolve(null)), [id, session?.user.id]);
  const [progress, setProgress] = useState<LibraryProgress | null>(null);
  useEffect(() => {
    const row = mine.data ? [...mine.data.inProgress, ...mine.data.completed].find((x) => x.course.id === id) : undefined;
    setProgress(row?.progress ?? null);
  }, [mine.data, id]);
  usePageTitle(course.data?.title ?? t('classes.library'));
  const guardian = Boolean(mine.data);
  const curator = hasRole(session, 'district_admin', 'centre_staff');
  if (course.error) return <div className="page"><Problem error={course.error} /></div>;
  if (!course.data || mine.loading) return <Loading />;
  const c = course.data;
  return (
    <div className="page classes-page">
      <p>
        <Link to="/classes/library">← {t('classes.library')}</Link>
      </p>
      <h1>{c.title}</h1>
      <p className="muted small">
        {t(`classes.tiers.${c.tier}`)} · {t(`classes.topics.${c.topic}`, { defaultValue: c.topic })} · {t('classes.lib.ages', { min: c.ageMin, max: c.ageMax })} · {c.durationMinutes} min
      </p>
      {c.summary && <p>{c.summary}</p>}
      {c.file && session ? (
        <Player course={c} progress={progress} guardian={guardian} onSaved={setProgress} />
      ) : c.file ? (
        <p className="muted">{t('classes.lib.signInToOpen')}</p>
      ) : (
        <p className="notice" data-testid="library-no-file-notice">{t('classes.lib.noFile')}</p>
      )}
      {guardian && c.file && (
        <p data-testid="library-progress" className={progress?.completedAt ? 'classes-status classes-status-confirmed' : 'muted'}>
          {progress?.completedAt ? t('classes.lib.completedOn', { when: new Date(progress.completedAt).toLocaleDateString() }) : progress ? t('classes.lib.saved', { n: progress.percent }) : t('classes.lib.notStarted')}
        </p>
      )}
      {curator && <UploadForm course={c} onDone={course.reload} />}
    </div>
  );
}
