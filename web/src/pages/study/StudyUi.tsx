import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorNotice, type IssueFields } from '../../components/ui.tsx';
import { studyErrorId, type RouteStatus, type WalkMethod } from './studyApi.ts';
import './study.css';

/**
 * An error with the study module's own words for its error ids (capacity_exceeded, invalid_transition, …), and an
 * optional sentence of detail the page worked out (e.g. the places left that day); other errors as everywhere else.
 */
export function StudyErrorNotice({ error, detail, onRetry, fields }: { error: unknown; detail?: ReactNode; onRetry?: () => void; fields?: IssueFields }) {
  const { t } = useTranslation();
  if (!error) return null;
  const id = studyErrorId(error);
  if (!id) return <ErrorNotice error={error} onRetry={onRetry} fields={fields} />;
  return (
    <div className="notice notice-error" role="alert" data-testid="error" data-error={id}>
      <p>{t(`study.errors.${id}`)}</p>
      {detail && <p className="study-error-detail">{detail}</p>}
      {onRetry && (
        <button type="button" className="btn btn-small" onClick={onRetry}>
          {t('common.retry')}
        </button>
      )}
    </div>
  );
}

/** "Street network" or "Estimate", with what it means in the title and, when asked, below. */
export function MethodLabel({ method, explain = false }: { method: WalkMethod; explain?: boolean }) {
  const { t } = useTranslation();
  return (
    <span className="study-method" data-testid="walk-method" data-method={method}>
      <span className={`chip study-method-chip study-method-${method}`} title={t(`study.method.explain.${method}`)}>
        {t(`study.method.${method}`)}
      </span>
      {explain && <span className="small muted study-method-explain"> {t(`study.method.explain.${method}`)}</span>}
    </span>
  );
}

export function StatusChip({ status }: { status: RouteStatus }) {
  const { t } = useTranslation();
  if (status === 'published') return null;
  return (
    <span className={`chip ${status === 'draft' ? 'chip-warn' : 'study-chip-archived'}`} data-testid="route-status" data-status={status}>
      {t(`study.routeStatus.${status}`)}
    </span>
  );
}

/** The note every study page carries: base locations are illustrative; coordinates are WGS-84. */
export function IllustrativeNote({ testId = 'study-note' }: { testId?: string }) {
  const { t } = useTranslation();
  return (
    <p className="map-note study-note" data-testid={testId}>
      {t('study.illustrativeNote')}
    </p>
  );
}
