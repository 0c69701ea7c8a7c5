// Shared bits of the points admin pages (rules, rewards): localised validation issues and number inputs.
import { useTranslation } from 'react-i18next';
import { isApiError } from '../../api.ts';
import { ErrorNotice, type IssueFields } from '../../components/ui.tsx';

/**
 * The API's error, with each issue named by the form's label for its field and explained in our words when the issue
 * code is one we know (`cap_order`, `cap_below_points`, zod's `too_small` …); otherwise the server's text.
 */
export function PointsErrorNotice({ error, labels, onRetry }: { error: unknown; labels: Record<string, string>; onRetry?: () => void }) {
  const { t, i18n } = useTranslation();
  const fields: IssueFields = {};
  if (isApiError(error)) {
    for (const issue of error.issues) {
      const key = `points.admin.issues.${issue.code ?? ''}`;
      const hint = issue.code && i18n.exists(key) ? t(key) : undefined;
      const label = labels[issue.path] ?? labels[issue.path.split('.')[0] ?? ''] ?? issue.path;
      fields[issue.path] = { label, hint };
    }
  }
  return (
    <>
      <ErrorNotice error={error} fields={fields} onRetry={onRetry} />
      {isApiError(error) && error.id === 'points_version_conflict' && <p className="muted small">{t('points.admin.conflictHint')}</p>}
    </>
  );
}

/** A whole-number input whose empty value means "none" (null), e.g. no cap. */
export function NumberInput(props: {
  value: number | null;
  onChange: (value: number | null) => void;
  label: string;
  placeholder?: string;
  disabled?: boolean;
  min?: number;
  testId?: string;
}) {
  return (
    <input
      type="number"
      inputMode="numeric"
      min={props.min ?? 0}
      step={1}
      aria-label={props.label}
      placeholder={props.placeholder}
      disabled={props.disabled}
      value={props.value ?? ''}
      data-testid={props.testId}
      onChange={(e) => props.onChange(e.target.value === '' ? null : Number(e.target.value))}
    />
  );
}

/** Only the fields that differ from the original (a PATCH sends what changed, plus the version it was based on). */
export function changedFields<T extends object>(original: T, draft: T): Partial<T> {
  const out: Partial<T> = {};
  for (const key of Object.keys(draft) as (keyof T)[]) {
    if (JSON.stringify(draft[key]) !== JSON.stringify(original[key])) out[key] = draft[key];
  }
  return out;
}
