import { lazy, Suspense } from 'react';
import { Link, useNavigate } from 'react-router';
import { useTranslation } from 'react-i18next';
import { api } from '../api.ts';
import { AcceptInvitation, CreateFamily, InviteGuardian } from '../components/family.tsx';
import { ErrorNotice, Loading, relationLabel, usePageTitle, useAsync } from '../components/ui.tsx';
import { hasRole, useSession } from '../session.tsx';
import type { DistrictCounts, FamilyView, HomeSection, OrgView } from '../types.ts';

type SectionOf<K extends HomeSection['kind']> = Extract<HomeSection, { kind: K }>;

// The course library's "continue" and "for you" lists, loaded with the library code only when a guardian's home shows them.
const LibraryForYou = lazy(() => import('./classes/Library.tsx').then((m) => ({ default: m.LibraryForYou })));

function LearningSection() {
  const { t } = useTranslation();
  return (
    <section className="card" data-testid="home-learning">
      <div className="section-head">
        <h2>{t('classes.library')}</h2>
        <Link to="/classes/library" className="btn btn-small">
          {t('classes.lib.openLibrary')}
        </Link>
      </div>
      <Suspense fallback={<Loading />}>
        <LibraryForYou limit={3} />
      </Suspense>
    </section>
  );
}

const COUNT_KEYS: (keyof DistrictCounts)[] = ['subdistricts', 'communities', 'schools', 'communityParentSchools', 'venues', 'families', 'users'];

function DistrictSection({ section }: { section: SectionOf<'district'> }) {
  const { t, i18n } = useTranslation();
  const { session } = useSession();
  const nf = new Intl.NumberFormat(i18n.language);
  return (
    <section className="card section-district" data-testid="home-district" aria-labelledby="home-district-title">
      <div className="section-head">
        <h2 id="home-district-title">{t('home.district.title', { name: section.district.name })}</h2>
        <span className="chip">{t(`roles.${section.role}`)}</span>
      </div>
      <dl className="stats">
        {COUNT_KEYS.map((key) => (
          <div className="stat" key={key}>
            <dt>{t(`home.district.${key}`)}</dt>
            <dd>{nf.format(section.counts[key] ?? 0)}</dd>
          </div>
        ))}
      </dl>
      <div className="actions">
        <Link className="btn btn-primary" to="/map">
          {t('home.district.openMap')}
        </Link>
        <Link className="btn" to="/admin/users">
          {t('home.district.manageUsers')}
        </Link>
        {hasRole(session, 'district_admin') && (
          <Link className="btn" to="/admin/audit">
            {t('home.district.audit')}
          </Link>
        )}
      </div>
    </section>
  );
}

function OrgFacts({ org }: { org: OrgView }) {
  const { t } = useTranslation();
  return (
    <dl className="facts">
      <div>
        <dt>{t('map.kind')}</dt>
        <dd>{t(`orgKinds.${org.kind}`)}</dd>
      </div>
      {org.divisionName && (
        <div>
          <dt>{t('home.organisation.division')}</dt>
          <dd>{org.divisionName}</dd>
        </div>
      )}
      {org.address && (
        <div>
          <dt>{t('home.organisation.address')}</dt>
          <dd>{org.address}</dd>
        </div>
      )}
      <div>
        <dt>{t('home.organisation.location')}</dt>
        <dd>
          {org.location ? (
            <>
              {org.location.lon.toFixed(5)}, {org.location.lat.toFixed(5)} <span className="muted small">WGS-84</span>
              {org.location.illustrative && <span className="chip chip-warn">{t('home.organisation.illustrative')}</span>}
            </>
          ) : (
            <span className="muted">{t('home.organisation.noLocation')}</span>
          )}
        </dd>
      </div>
    </dl>
  );
}

function OrganisationSection({ section }: { section: SectionOf<'organisation'> }) {
  const { t } = useTranslation();
  return (
    <section className="card" data-testid="home-organisation">
      <div className="section-head">
        <h2>{t('home.organisation.title')}</h2>
        <span className="chip">{t(`roles.${section.role}`)}</span>
      </div>
      <h3 className="org-name">{section.organisation.name}</h3>
      <OrgFacts org={section.organisation} />
      <p className="stat-inline">
        {t('home.organisation.staff')} <strong>{section.counts.staff}</strong>
      </p>
    </section>
  );
}

function CommunitySection({ section }: { section: SectionOf<'community'> }) {
  const { t } = useTranslation();
  return (
    <section className="card" data-testid="home-community">
      <div className="section-head">
        <h2>{t('home.community.title')}</h2>
        <span className="chip">{t(`roles.${section.role}`)}</span>
      </div>
      <h3 className="org-name">{section.community.name}</h3>
      <p className="muted">
        {t('common.labelled', { label: t('home.community.subdistrict'), value: section.community.subdistrictName })}
      </p>
      <h4>{t('home.community.organisations')}</h4>
      {section.organisations.length === 0 ? (
        <p className="muted">{t('home.community.empty')}</p>
      ) : (
        <ul className="list">
          {section.organisations.map((org) => (
            <li key={org.id} className="list-item">
              <span className={`kind-dot kind-${org.kind}`} aria-hidden="true" />
              <span>
                <strong>{org.name}</strong>
                <span className="muted small"> · {t(`orgKinds.${org.kind}`)}</span>
                {org.address && <span className="muted small block">{org.address}</span>}
              </span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function FamilyCard({ family }: { family: FamilyView }) {
  const { t } = useTranslation();
  const thisYear = new Date().getFullYear();
  return (
    <article className="family-card" data-testid="family-card">
      <header className="section-head">
        <h3>{family.name}</h3>
        <Link to={`/family/${family.id}`} className="btn btn-small">
          {t('home.family.open')}
        </Link>
      </header>
      <h4>{t('home.family.children')}</h4>
      {family.children.length === 0 ? (
        <p className="muted">{t('home.family.noChildren')}</p>
      ) : (
        <ul className="child-chips">
          {family.children.map((child) => (
            <li key={child.id}>
              <Link to={`/family/${family.id}`} className="child-chip" data-testid="child-chip">
                <span className="avatar" aria-hidden="true">
                  {child.displayName.slice(0, 1)}
                </span>
                <span>
                  <strong>{child.displayName}</strong>
                  <span className="muted small block">
                    {[child.birthYear ? t('home.family.age', { age: thisYear - child.birthYear }) : null, child.grade, child.schoolName]
                      .filter(Boolean)
                      .join(' · ')}
                  </span>
                </span>
              </Link>
            </li>
          ))}
        </ul>
      )}
      <Link to={`/family/${family.id}#add-child`} className="btn btn-small">
        + {t('home.family.addChild')}
      </Link>
      <h4>{t('home.family.guardians')}</h4>
      <ul className="guardian-list">
        {family.guardians.map((g) => (
          <li key={g.userId}>
            <strong>{g.displayName}</strong>
            {g.relation && <span className="muted small"> · {relationLabel(t, g.relation)}</span>}
          </li>
        ))}
      </ul>
      <InviteGuardian familyId={family.id} />
    </article>
  );
}

function FamilySection({ section, reload }: { section: SectionOf<'family'>; reload: () => void }) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  return (
    <section className="card" data-testid="home-family">
      <div className="section-head">
        <h2>{t('home.family.title')}</h2>
      </div>
      {section.families.length === 0 && <p>{t('home.family.noFamily')}</p>}
      {section.families.map((family) => (
        <FamilyCard key={family.id} family={family} />
      ))}
      {section.families.length === 0 && <CreateFamily onCreated={(f) => navigate(`/family/${f.id}`)} />}
      <AcceptInvitation onAccepted={() => reload()} />
    </section>
  );
}

export function HomePage() {
  const { t } = useTranslation();
  const { session } = useSession();
  usePageTitle(t('nav.home'));
  const { data, error, loading, reload } = useAsync((signal) => api.get<{ sections: HomeSection[] }>('/api/home', undefined, { signal }), []);

  return (
    <div className="page">
      <h1 className="greeting">{t('home.greeting', { name: session?.user.displayName ?? '' })}</h1>
      {loading && !data && <Loading />}
      <ErrorNotice error={error} onRetry={reload} />
      {data && data.sections.length === 0 && <p className="notice notice-info">{t('home.empty')}</p>}
      <div className="sections">
        {data?.sections.map((section, i) => {
          switch (section.kind) {
            case 'district':
              return <DistrictSection key={i} section={section} />;
            case 'organisation':
              return <OrganisationSection key={i} section={section} />;
            case 'community':
              return <CommunitySection key={i} section={section} />;
            case 'family':
              return [<FamilySection key={i} section={section} reload={reload} />, section.families.length > 0 ? <LearningSection key={`${i}-learning`} /> : null];
            case 'child':
              return (
                <section className="card" key={i}>
                  <h2>{t('home.child.title')}</h2>
                  <p>{section.child.displayName}</p>
                </section>
              );
            default:
              return null;
          }
        })}
      </div>
    </div>
  );
}
