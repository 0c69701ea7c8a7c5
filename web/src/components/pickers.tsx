import { useEffect, useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api.ts';
import type { Division, OrgKind, OrgView, Paged } from '../types.ts';
import { ErrorNotice, useAsync } from './ui.tsx';

function useDebounced<T>(value: T, ms = 250): T {
  const [debounced, setDebounced] = useState(value);
  useEffect(() => {
    const id = setTimeout(() => setDebounced(value), ms);
    return () => clearTimeout(id);
  }, [value, ms]);
  return debounced;
}

/** Choose an organisation (optionally of one kind), with a server-side name filter. */
export function OrgPicker(props: {
  label: string;
  kind?: OrgKind;
  value: string | null;
  onChange: (id: string | null) => void;
  allowNone?: boolean;
  noneLabel?: string;
  /** Name to show for the current value before the list has loaded. */
  currentName?: string | null;
  required?: boolean;
  testId?: string;
}) {
  const { t } = useTranslation();
  const id = useId();
  const [query, setQuery] = useState('');
  const q = useDebounced(query.trim());
  const { data, error, loading } = useAsync(
    (signal) => api.get<Paged<OrgView>>('/api/registry/organisations', { kind: props.kind, q: q || undefined, limit: 100 }, { signal }),
    [props.kind, q],
  );
  const items = data?.items ?? [];
  const value = props.value ?? '';
  const listed = items.some((o) => o.id === value);

  return (
    <div className="field picker">
      <label htmlFor={id}>{props.label}</label>
      <input
        type="search"
        className="picker-search"
        aria-label={t('users.orgSearch')}
        placeholder={props.kind === 'school' ? t('family.schoolSearch') : t('users.orgSearch')}
        value={query}
        onChange={(e) => setQuery(e.target.value)}
      />
      <select
        id={id}
        data-testid={props.testId}
        value={value}
        required={props.required}
        aria-busy={loading}
        onChange={(e) => props.onChange(e.target.value || null)}
      >
        {props.allowNone ? <option value="">{props.noneLabel ?? t('common.none')}</option> : !value && <option value="">{t('common.choose')}</option>}
        {value && !listed && <option value={value}>{props.currentName ?? value}</option>}
        {items.map((o) => (
          <option key={o.id} value={o.id}>
            {o.name}
            {o.divisionName ? ` · ${o.divisionName}` : ''}
          </option>
        ))}
      </select>
      <ErrorNotice error={error} />
    </div>
  );
}

/** Choose a division (district, subdistrict or community); communities are grouped by subdistrict. */
export function DivisionPicker(props: {
  label: string;
  level: 'district' | 'subdistrict' | 'community';
  value: string | null;
  onChange: (code: string | null) => void;
  testId?: string;
}) {
  const { t } = useTranslation();
  const id = useId();
  const { data, error } = useAsync(
    async (signal) => {
      const wanted = await api.get<{ items: Division[] }>('/api/registry/divisions', { level: props.level }, { signal });
      if (props.level !== 'community') return { items: wanted.items, parents: new Map<string, string>() };
      const parents = await api.get<{ items: Division[] }>('/api/registry/divisions', { level: 'subdistrict' }, { signal });
      return { items: wanted.items, parents: new Map(parents.items.map((d) => [d.code, d.name])) };
    },
    [props.level],
  );

  const items = data?.items ?? [];
  const groups = new Map<string, Division[]>();
  if (props.level === 'community') {
    for (const item of items) {
      const key = item.parentCode ?? '';
      groups.set(key, [...(groups.get(key) ?? []), item]);
    }
  }

  return (
    <div className="field">
      <label htmlFor={id}>{props.label}</label>
      <select id={id} data-testid={props.testId} value={props.value ?? ''} required onChange={(e) => props.onChange(e.target.value || null)}>
        <option value="">{items.length ? t('common.choose') : t('users.noOptions')}</option>
        {props.level === 'community'
          ? [...groups.entries()].map(([parent, list]) => (
              <optgroup key={parent} label={data?.parents.get(parent) ?? parent}>
                {list.map((d) => (
                  <option key={d.code} value={d.code}>
                    {d.name}
                  </option>
                ))}
              </optgroup>
            ))
          : items.map((d) => (
              <option key={d.code} value={d.code}>
                {d.name}
              </option>
            ))}
      </select>
      <ErrorNotice error={error} />
    </div>
  );
}
