import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api.ts';
import { ErrorNotice, formatDateTime, Loading, useAsync, usePageTitle } from '../components/ui.tsx';
import type { AuditEvent } from '../types.ts';

const ACTION_PATTERN = /^[a-z_]+\.[a-z_]+$/;
const PAGE_SIZE = 50;

function compactDetail(detail: Record<string, unknown>): string {
  const entries = Object.entries(detail ?? {});
  if (entries.length === 0) return '';
  return entries.map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' ');
}

export function AdminAuditPage() {
  const { t, i18n } = useTranslation();
  usePageTitle(t('audit.title'));
  const [actionInput, setActionInput] = useState('');
  const [action, setAction] = useState('');
  const [invalid, setInvalid] = useState(false);
  // `before` cursors of the pages seen so far: the last one is the page shown (undefined = newest).
  const [cursors, setCursors] = useState<(number | undefined)[]>([undefined]);
  const before = cursors[cursors.length - 1];
  const { data, error, loading, reload } = useAsync(
    (signal) =>
      api.get<{ items: AuditEvent[]; nextBefore: number | null }>('/api/audit', { limit: PAGE_SIZE, before, action: action || undefined }, { signal }),
    [before, action],
  );

  function applyFilter(e: FormEvent) {
    e.preventDefault();
    const value = actionInput.trim();
    if (value && !ACTION_PATTERN.test(value)) {
      setInvalid(true);
      return;
    }
    setInvalid(false);
    setAction(value);
    setCursors([undefined]);
  }

  return (
    <div className="page page-wide">
      <h1>{t('audit.title')}</h1>
      <form className="search-bar" onSubmit={applyFilter} role="search">
        <input
          type="search"
          value={actionInput}
          onChange={(e) => setActionInput(e.target.value)}
          placeholder={t('audit.filterPlaceholder')}
          aria-label={t('audit.filter')}
          aria-invalid={invalid}
          autoCapitalize="off"
          spellCheck={false}
        />
        <button type="submit" className="btn">
          {t('audit.apply')}
        </button>
        {action && (
          <button
            type="button"
            className="btn btn-quiet"
            onClick={() => {
              setActionInput('');
              setAction('');
              setInvalid(false);
              setCursors([undefined]);
            }}
          >
            {t('audit.clear')}
          </button>
        )}
      </form>
      {invalid && (
        <div className="notice notice-error" role="alert">
          {t('audit.filterInvalid')}
        </div>
      )}
      <ErrorNotice error={error} onRetry={reload} />
      {loading && !data && <Loading />}
      {data && data.items.length === 0 && <p className="muted">{t('audit.empty')}</p>}
      {data && data.items.length > 0 && (
        <div className="table-wrap">
          <table className="table" data-testid="audit-table">
            <thead>
              <tr>
                <th scope="col">{t('audit.at')}</th>
                <th scope="col">{t('audit.actor')}</th>
                <th scope="col">{t('audit.action')}</th>
                <th scope="col">{t('audit.resource')}</th>
                <th scope="col">{t('audit.ip')}</th>
                <th scope="col">{t('audit.detail')}</th>
              </tr>
            </thead>
            <tbody>
              {data.items.map((event) => (
                <tr key={event.id}>
                  <td className="nowrap">{formatDateTime(event.at, i18n.language)}</td>
                  <td>
                    {event.actor ? (event.actor.displayName ?? event.actor.userId) : <span className="muted">{t('audit.system')}</span>}
                    {event.actorChildId && <span className="chip">{t('audit.childActor')}</span>}
                  </td>
                  <td>
                    <code>{event.action}</code>
                  </td>
                  <td className="small">
                    {event.resourceType}
                    {event.resourceId && <span className="muted block mono">{event.resourceId}</span>}
                  </td>
                  <td className="small mono">{event.ip ?? ''}</td>
                  <td className="small mono detail-cell">{compactDetail(event.detail)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <nav className="pager" aria-label={t('audit.title')}>
        <button type="button" className="btn btn-small" disabled={cursors.length <= 1} onClick={() => setCursors([undefined])}>
          {t('audit.newest')}
        </button>
        <button type="button" className="btn btn-small" disabled={cursors.length <= 1} onClick={() => setCursors((c) => c.slice(0, -1))}>
          {t('audit.newer')}
        </button>
        <button
          type="button"
          className="btn btn-small"
          disabled={!data?.nextBefore}
          onClick={() => data?.nextBefore && setCursors((c) => [...c, data.nextBefore ?? undefined])}
        >
          {t('audit.older')}
        </button>
      </nav>
    </div>
  );
}
