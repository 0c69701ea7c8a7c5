import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorNotice, Notice, usePageTitle } from '../../components/ui.tsx';
import { currentLocale } from '../../i18n/index.ts';
import { useSession } from '../../session.tsx';
import { registerDirectoryImportMessages } from './messages.ts';

registerDirectoryImportMessages();

const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

type RowAction = 'create' | 'update' | 'unchanged' | 'invalid';

interface ImportProblem {
  line: number | null;
  externalId: string | null;
  field: string | null;
  column: string | null;
  code: string;
  message: string;
  messageZh: string;
  value: string | null;
}

interface ImportReport {
  dryRun: boolean;
  mode: 'all_or_nothing' | 'valid_only';
  committed: boolean;
  file: { format: 'csv' | 'xlsx'; encoding: string | null; sheet: string | null; columns: { key: string; header: string }[]; ignoredColumns: string[] };
  summary: { rows: number; valid: number; invalid: number; create: number; update: number; unchanged: number; written: number };
  problems: ImportProblem[];
  problemsTruncated: boolean;
  rows: { line: number; externalId: string | null; name: string | null; action: RowAction }[];
  rowsTruncated: boolean;
}

/** A failure of the upload endpoint: the server's error id, message and issues. */
class UploadError extends Error {
  constructor(
    readonly id: string,
    message: string,
    readonly issues: { path: string; message: string }[] = [],
  ) {
    super(message);
  }
}

const ROWS_SHOWN = 300;

/** Sends the file itself as the request body (the import endpoint takes raw CSV or XLSX, not JSON). */
async function uploadFile(file: File, query: Record<string, string>, csrfToken: string): Promise<ImportReport> {
  const params = new URLSearchParams({ ...query, fileName: file.name.slice(0, 200) });
  const type = /\.xlsx$/i.test(file.name) ? XLSX_TYPE : 'text/csv';
  let response: Response;
  try {
    response = await fetch(`/api/directory/imports?${params.toString()}`, { method: 'POST', headers: { 'content-type': type, 'x-csrf-token': csrfToken, accept: 'application/json' }, body: file, credentials: 'same-origin' });
  } catch (error) {
    throw new UploadError('network_error', error instanceof Error ? error.message : String(error));
  }
  const body = (await response.json().catch(() => null)) as (ImportReport & { error?: string; message?: string; issues?: { path: string; message: string }[]; report?: ImportReport }) | null;
  if (response.status === 422 && body?.report) return body.report;
  if (!response.ok || !body) throw new UploadError(body?.error ?? 'bad_response', body?.message ?? `HTTP ${response.status}`, body?.issues ?? []);
  return body;
}

function Summary({ report }: { report: ImportReport }) {
  const { t } = useTranslation();
  const s = report.summary;
  const items: [string, number][] = [
    [t('directoryImport.rows'), s.rows],
    [t('directoryImport.valid'), s.valid],
    [t('directoryImport.invalid'), s.invalid],
    [t('directoryImport.create'), s.create],
    [t('directoryImport.update'), s.update],
    [t('directoryImport.unchanged'), s.unchanged],
  ];
  return (
    <div className="stats" data-testid="import-summary">
      {items.map(([label, value]) => (
        <div className="stat" key={label}>
          <span className="big-number">{value}</span>
          <span className="muted small">{label}</span>
        </div>
      ))}
    </div>
  );
}

function ProblemsTable({ report }: { report: ImportReport }) {
  const { t } = useTranslation();
  const zh = currentLocale() === 'zh-CN';
  if (report.problems.length === 0) return null;
  return (
    <section className="subsection">
      <h3>{t('directoryImport.problemsTitle', { count: report.summary.invalid })}</h3>
      <div className="table-wrap">
        <table className="table" data-testid="import-problems">
          <thead>
            <tr>
              <th>{t('directoryImport.line')}</th>
              <th>{t('directoryImport.externalId')}</th>
              <th>{t('directoryImport.column')}</th>
              <th>{t('directoryImport.problem')}</th>
              <th>{t('directoryImport.value')}</th>
            </tr>
          </thead>
          <tbody>
            {report.problems.map((p, i) => (
              <tr key={i} data-code={p.code}>
                <td className="nowrap">{p.line ?? ''}</td>
                <td className="mono">{p.externalId ?? ''}</td>
                <td className="nowrap">{p.column ?? ''}</td>
                <td>{zh ? p.messageZh : p.message}</td>
                <td className="mono small">{p.value ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {report.problemsTruncated && <p className="muted small">{t('directoryImport.problemsTruncated', { count: report.problems.length })}</p>}
    </section>
  );
}

function RowsTable({ report }: { report: ImportReport }) {
  const { t } = useTranslation();
  const shown = report.rows.slice(0, ROWS_SHOWN);
  const words = report.dryRun ? 'actions' : 'actionsDone';
  return (
    <details className="subsection">
      <summary>{t('directoryImport.rowsTitle')}</summary>
      <div className="table-wrap">
        <table className="table">
          <thead>
            <tr>
              <th>{t('directoryImport.line')}</th>
              <th>{t('directoryImport.externalId')}</th>
              <th>{t('directoryImport.action')}</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((row) => (
              <tr key={row.line}>
                <td>{row.line}</td>
                <td>
                  <span className="mono">{row.externalId ?? ''}</span> {row.name ?? ''}
                </td>
                <td className="nowrap">{t(`directoryImport.${words}.${row.action}`)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {(report.rowsTruncated || report.rows.length > ROWS_SHOWN) && <p className="muted small">{t('directoryImport.rowsTruncated', { count: shown.length })}</p>}
    </details>
  );
}

function UploadErrorNotice({ error }: { error: unknown }) {
  const { t, i18n } = useTranslation();
  if (!(error instanceof UploadError)) return <ErrorNotice error={error} />;
  const key = `directoryImport.errors.${error.id}`;
  const text = i18n.exists(key) ? t(key) : error.message;
  return (
    <div className="notice notice-error" role="alert" data-testid="import-error">
      <p>{text}</p>
      {error.id === 'import_columns_missing' && error.issues.length > 0 && (
        <ul className="issues">
          {error.issues.map((issue) => (
            <li key={issue.path}>
              <code>{issue.path}</code> {issue.message}
            </li>
          ))}
        </ul>
      )}
      {text !== error.message && <p className="muted small">{error.message}</p>}
    </div>
  );
}

export function DirectoryImportPage() {
  const { t } = useTranslation();
  usePageTitle(t('directoryImport.title'));
  const { session } = useSession();
  const [file, setFile] = useState<File | null>(null);
  const [crs, setCrs] = useState('');
  const [encoding, setEncoding] = useState('auto');
  const [report, setReport] = useState<ImportReport | null>(null);
  const [busy, setBusy] = useState<'check' | 'import' | null>(null);
  const [error, setError] = useState<unknown>(null);

  async function send(dryRun: boolean, mode: 'all_or_nothing' | 'valid_only') {
    if (!file || !session) return;
    setBusy(dryRun ? 'check' : 'import');
    setError(null);
    try {
      const query: Record<string, string> = { dryRun: String(dryRun), mode, encoding };
      if (crs) query.crs = crs;
      setReport(await uploadFile(file, query, session.csrfToken));
    } catch (err) {
      setError(err);
      setReport(null);
    } finally {
      setBusy(null);
    }
  }

  function check(e: FormEvent) {
    e.preventDefault();
    void send(true, 'all_or_nothing');
  }

  const s = report?.summary;
  const checked = report?.dryRun === true;
  return (
    <div className="page">
      <h1>{t('directoryImport.title')}</h1>
      <p className="muted">{t('directoryImport.intro')}</p>

      <section className="card">
        <h2>{t('directoryImport.templateTitle')}</h2>
        <p className="muted small">{t('directoryImport.templateHelp')}</p>
        <div className="actions">
          <a className="btn" href="/api/directory/import-template?format=xlsx" download data-testid="template-xlsx">
            {t('directoryImport.templateXlsx')}
          </a>
          <a className="btn" href="/api/directory/import-template?format=csv" download>
            {t('directoryImport.templateCsv')}
          </a>
        </div>
      </section>

      <section className="card">
        <h2>{t('directoryImport.uploadTitle')}</h2>
        <form className="form" onSubmit={check}>
          <label className="field">
            <span>{t('directoryImport.file')}</span>
            <input
              type="file"
              accept=".xlsx,.csv,.txt,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
              data-testid="import-file"
              onChange={(e) => {
                setFile(e.target.files?.[0] ?? null);
                setReport(null);
                setError(null);
              }}
              required
            />
          </label>
          <div className="form-row">
            <label className="field">
              <span>{t('directoryImport.crs')}</span>
              <select value={crs} onChange={(e) => setCrs(e.target.value)}>
                <option value="">{t('directoryImport.crsNone')}</option>
                <option value="WGS-84">WGS-84</option>
                <option value="GCJ-02">GCJ-02</option>
                <option value="BD-09">BD-09</option>
              </select>
            </label>
            <label className="field">
              <span>{t('directoryImport.encoding')}</span>
              <select value={encoding} onChange={(e) => setEncoding(e.target.value)}>
                <option value="auto">{t('directoryImport.encodingAuto')}</option>
                <option value="utf-8">UTF-8</option>
                <option value="gb18030">GB18030 / GBK</option>
              </select>
            </label>
          </div>
          <div className="actions">
            <button type="submit" className="btn btn-primary" disabled={!file || busy !== null} data-testid="import-check">
              {busy === 'check' ? t('directoryImport.checking') : t('directoryImport.check')}
            </button>
          </div>
        </form>
        {error !== null && <UploadErrorNotice error={error} />}
      </section>

      {report && s && (
        <section className="card" data-testid="import-report">
          <h2>{checked ? t('directoryImport.reportTitle') : t('directoryImport.resultTitle')}</h2>
          <p className="muted small">
            {t('directoryImport.fileInfo', { format: report.file.format.toUpperCase(), encoding: report.file.encoding ? ` (${report.file.encoding})` : '', columns: report.file.columns.length })}
          </p>
          {report.file.ignoredColumns.length > 0 && <p className="muted small">{t('directoryImport.ignored', { columns: report.file.ignoredColumns.join(t('common.listSeparator')) })}</p>}
          <Summary report={report} />
          {report.committed ? (
            <Notice tone="success">
              {t('directoryImport.done', { create: s.create, update: s.update, unchanged: s.unchanged })}
              {s.invalid > 0 && ` ${t('directoryImport.doneSkipped', { count: s.invalid })}`}
            </Notice>
          ) : !checked ? (
            <Notice tone="warning">{t('directoryImport.nothingWritten')}</Notice>
          ) : s.invalid === 0 ? (
            <Notice tone="success">{t('directoryImport.allValid', { count: s.rows })}</Notice>
          ) : (
            <Notice tone="warning">{t('directoryImport.someInvalid', { invalid: s.invalid, valid: s.valid })}</Notice>
          )}
          <ProblemsTable report={report} />
          {report.rows.length > 0 && <RowsTable report={report} />}
          {checked && s.valid > 0 && (
            <div className="actions">
              {s.invalid === 0 ? (
                <button type="button" className="btn btn-primary" disabled={busy !== null} onClick={() => void send(false, 'all_or_nothing')} data-testid="import-confirm">
                  {busy === 'import' ? t('directoryImport.importing') : t('directoryImport.importAll')}
                </button>
              ) : (
                <button
                  type="button"
                  className="btn"
                  disabled={busy !== null}
                  data-testid="import-valid-only"
                  onClick={() => {
                    if (window.confirm(t('directoryImport.confirmValid', { invalid: s.invalid, valid: s.valid }))) void send(false, 'valid_only');
                  }}
                >
                  {busy === 'import' ? t('directoryImport.importing') : t('directoryImport.importValid')}
                </button>
              )}
            </div>
          )}
        </section>
      )}

      <section className="card">
        <h2>{t('directoryImport.exportTitle')}</h2>
        <p className="muted small">{t('directoryImport.exportHelp')}</p>
        <div className="actions">
          <a className="btn" href="/api/directory/export?format=xlsx" download>
            {t('directoryImport.exportXlsx')}
          </a>
          <a className="btn" href="/api/directory/export?format=csv" download>
            {t('directoryImport.exportCsv')}
          </a>
          <a className="btn" href="/api/directory/export?format=csv-gb18030" download>
            {t('directoryImport.exportGb')}
          </a>
        </div>
      </section>
    </div>
  );
}

export default DirectoryImportPage;
