import { useCallback, useEffect, useRef, useState, type DependencyList, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import { isApiError } from '../api.ts';

/** The localised words for any error (ApiError by id; anything else as "unknown"). */
export function errorText(t: TFunction, error: unknown): string {
  if (isApiError(error)) {
    const base = error.known ? t(`errors.${error.id}`) : t('errors.unknown', { id: error.id });
    return error.retryAfter ? `${base} ${t('errors.retryAfter', { seconds: error.retryAfter })}` : base;
  }
  return t('errors.unknown', { id: error instanceof Error ? error.message : String(error) });
}

/** How a form names its fields in validation issues: the label, and our own hint instead of the server's English text. */
export type IssueFields = Record<string, { label: string; hint?: string }>;

export function ErrorNotice({ error, onRetry, fields }: { error: unknown; onRetry?: () => void; fields?: IssueFields }) {
  const { t } = useTranslation();
  if (!error) return null;
  const issues = isApiError(error) ? error.issues : [];
  return (
    <div className="notice notice-error" role="alert" data-testid="error">
      <p>{errorText(t, error)}</p>
      {issues.length > 0 && (
        <>
          <p className="muted small">{t('errors.issues')}</p>
          <ul className="issues">
            {issues.map((issue, i) => {
              const field = fields?.[issue.path] ?? fields?.[issue.path.split('.')[0]];
              return (
                <li key={i}>
                  {field ? (
                    t('common.labelled', { label: field.label, value: field.hint ?? issue.message })
                  ) : (
                    <>
                      {issue.path && <code>{issue.path}</code>} {issue.message}
                    </>
                  )}
                </li>
              );
            })}
          </ul>
        </>
      )}
      {onRetry && (
        <button type="button" className="btn btn-small" onClick={onRetry}>
          {t('common.retry')}
        </button>
      )}
    </div>
  );
}

export function Notice({ children, tone = 'info' }: { children: ReactNode; tone?: 'info' | 'success' | 'warning' }) {
  return (
    <div className={`notice notice-${tone}`} role="status">
      {children}
    </div>
  );
}

export function Loading({ label }: { label?: string }) {
  const { t } = useTranslation();
  return (
    <div className="loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" />
      <span>{label ?? t('app.loading')}</span>
    </div>
  );
}

interface AsyncState<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload: () => void;
}

/** Loads data when deps change; ignores answers that arrive after a newer request started. */
export function useAsync<T>(load: (signal: AbortSignal) => Promise<T>, deps: DependencyList): AsyncState<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const [nonce, setNonce] = useState(0);
  const reload = useCallback(() => setNonce((n) => n + 1), []);

  useEffect(() => {
    const controller = new AbortController();
    setLoading(true);
    setError(null);
    load(controller.signal).then(
      (value) => {
        if (controller.signal.aborted) return;
        setData(value);
        setLoading(false);
      },
      (err: unknown) => {
        if (controller.signal.aborted) return;
        setError(err);
        setLoading(false);
      },
    );
    return () => controller.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, nonce]);

  return { data, error, loading, reload };
}

/** Runs a form action: tracks busy state and the error to show. */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const run = useCallback(async <T,>(action: () => Promise<T>): Promise<T | undefined> => {
    setBusy(true);
    setError(null);
    try {
      return await action();
    } catch (err) {
      setError(err);
      return undefined;
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, error, setError, run };
}

export function usePageTitle(title: string) {
  const { t } = useTranslation();
  useEffect(() => {
    document.title = title ? `${title} · ${t('app.name')}` : t('app.name');
  }, [title, t]);
}

export function Modal({ open, title, onClose, children }: { open: boolean; title: string; onClose: () => void; children: ReactNode }) {
  const ref = useRef<HTMLDialogElement>(null);
  const { t } = useTranslation();
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) dialog.showModal();
    if (!open && dialog.open) dialog.close();
  }, [open]);
  return (
    <dialog
      ref={ref}
      className="modal"
      onClose={onClose}
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
      aria-label={title}
    >
      {open && (
        <div className="modal-body">
          <header className="modal-header">
            <h2>{title}</h2>
            <button type="button" className="btn-icon" onClick={onClose} aria-label={t('common.close')}>
              ×
            </button>
          </header>
          {children}
        </div>
      )}
    </dialog>
  );
}

export function formatDateTime(iso: string | null | undefined, locale: string): string {
  if (!iso) return '';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(date);
}

export function CopyButton({ text }: { text: string }) {
  const { t } = useTranslation();
  const [copied, setCopied] = useState(false);
  return (
    <button
      type="button"
      className="btn btn-small"
      onClick={() => {
        void navigator.clipboard?.writeText(text).then(
          () => {
            setCopied(true);
            setTimeout(() => setCopied(false), 2000);
          },
          () => undefined,
        );
      }}
    >
      {copied ? t('common.copied') : t('common.copy')}
    </button>
  );
}

/** A relation stored as a stable id ("mother") or as free text from older data ("母亲"). */
export function relationLabel(t: TFunction, relation: string | null): string {
  if (!relation) return '';
  return t(`relations.${relation}`, { defaultValue: relation });
}

export const RELATION_IDS = ['mother', 'father', 'grandmother', 'grandfather', 'guardian'] as const;
