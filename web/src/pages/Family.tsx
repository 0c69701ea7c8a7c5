import { useEffect, useState } from 'react';
import { Link, useLocation, useParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import { api } from '../api.ts';
import { ChildForm, ChildModeDialog, InviteGuardian, type ChildInput } from '../components/family.tsx';
import { ErrorNotice, Loading, Modal, Notice, relationLabel, usePageTitle, useAsync } from '../components/ui.tsx';
import type { ChildView, FamilyView } from '../types.ts';
import { FamilyHomeSection } from './FamilyHome.tsx';

export function FamilyPage() {
  const { id = '' } = useParams();
  const { t } = useTranslation();
  const location = useLocation();
  const { data: family, error, loading, reload } = useAsync((signal) => api.get<FamilyView>(`/api/families/${encodeURIComponent(id)}`, undefined, { signal }), [id]);
  const [childForMode, setChildForMode] = useState<ChildView | null>(null);
  const [editing, setEditing] = useState<ChildView | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  usePageTitle(family?.name ?? t('family.title'));

  // "#add-child" from the home page: scroll to the form once the family is shown.
  useEffect(() => {
    if (family && location.hash === '#add-child') document.getElementById('add-child')?.scrollIntoView({ block: 'start' });
  }, [family, location.hash]);

  if (loading && !family) return <Loading />;
  if (error || !family)
    return (
      <div className="page narrow">
        <ErrorNotice error={error} onRetry={reload} />
        <Link to="/">{t('family.back')}</Link>
      </div>
    );

  const thisYear = new Date().getFullYear();

  async function addChild(input: ChildInput) {
    const child = await api.post<ChildView>(`/api/families/${family!.id}/children`, input);
    setMessage(t('family.childAdded', { name: child.displayName }));
    reload();
  }

  async function saveChild(input: ChildInput) {
    if (!editing) return;
    if (Object.keys(input).length > 0) await api.patch<ChildView>(`/api/families/${family!.id}/children/${editing.id}`, input);
    setEditing(null);
    setMessage(t('family.childSaved'));
    reload();
  }

  return (
    <div className="page" data-testid="family-page">
      <p className="breadcrumb">
        <Link to="/">← {t('family.back')}</Link>
      </p>
      <h1>{family.name}</h1>
      {message && <Notice tone="success">{message}</Notice>}

      <section className="card">
        <h2>{t('family.children')}</h2>
        {family.children.length === 0 && <p className="muted">{t('family.noChildren')}</p>}
        <ul className="child-list">
          {family.children.map((child) => (
            <li key={child.id} className="child-row" data-testid="family-child">
              <span className="avatar avatar-lg" aria-hidden="true">
                {child.displayName.slice(0, 1)}
              </span>
              <div className="child-info">
                <strong className="child-name">{child.displayName}</strong>
                <span className="muted small block">
                  {[
                    child.birthYear ? t('family.born', { year: child.birthYear, age: thisYear - child.birthYear }) : null,
                    child.grade,
                    child.schoolName,
                  ]
                    .filter(Boolean)
                    .join(' · ')}
                </span>
                <span className={`chip ${child.hasPin ? '' : 'chip-warn'}`}>{child.hasPin ? t('family.pinSet') : t('family.pinNotSet')}</span>
              </div>
              <div className="child-actions">
                <button
                  type="button"
                  className="btn btn-primary btn-small"
                  data-testid="enter-child-mode"
                  disabled={!child.hasPin}
                  title={child.hasPin ? undefined : t('childMode.needPin')}
                  onClick={() => setChildForMode(child)}
                >
                  {t('childMode.enter')}
                </button>
                <button type="button" className="btn btn-small" onClick={() => setEditing(child)}>
                  {t('family.editChild')}
                </button>
              </div>
            </li>
          ))}
        </ul>
      </section>

      <div className="grid-2">
        <section className="card" id="add-child">
          <h2>{t('family.addChildTitle')}</h2>
          <ChildForm submitLabel={t('family.addChildSubmit')} onSubmit={addChild} />
        </section>

        <FamilyHomeSection familyId={family.id} />

        <section className="card">
          <h2>{t('family.guardians')}</h2>
          <ul className="list">
            {family.guardians.map((g) => (
              <li key={g.userId} className="list-item">
                <span className="avatar" aria-hidden="true">
                  {g.displayName.slice(0, 1)}
                </span>
                <span>
                  <strong>{g.displayName}</strong>
                  {g.relation && <span className="muted small"> · {relationLabel(t, g.relation)}</span>}
                </span>
              </li>
            ))}
          </ul>
          <InviteGuardian familyId={family.id} />
        </section>
      </div>

      <ChildModeDialog child={childForMode} onClose={() => setChildForMode(null)} />
      <Modal open={!!editing} title={editing ? t('family.editChildTitle', { name: editing.displayName }) : ''} onClose={() => setEditing(null)}>
        {editing && <ChildForm key={editing.id} child={editing} submitLabel={t('common.save')} onSubmit={saveChild} />}
      </Modal>
    </div>
  );
}
