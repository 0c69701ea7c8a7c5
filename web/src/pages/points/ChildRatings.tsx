import { useState } from 'react';
import { Link } from 'react-router';
import { useTranslation } from 'react-i18next';
import { api } from '../../api.ts';
import { ErrorNotice, Loading, useAction, useAsync, usePageTitle } from '../../components/ui.tsx';
import { Face, RuleIcon } from './icons.tsx';
import './messages.ts';
import './points.css';
import { newKey } from './types.ts';

interface Screen {
  childName: string;
  weekStart: string;
  guardians: { userId: string; displayName: string; relation: string | null; ratedRuleIds: string[] }[];
  behaviours: { id: string; nameZh: string; nameEn: string; icon: string }[];
}

/**
 * Child mode: the child picks a guardian and taps a face for each companionship behaviour of the week. Big icons,
 * few words, no free text, only the own family; the child sees a thank-you, not points.
 */
export default function ChildRatingsPage() {
  const { t, i18n } = useTranslation();
  usePageTitle(t('points.child.title'));
  const screen = useAsync((signal) => api.get<Screen>('/api/points/child/ratings', undefined, { signal }), []);
  const [guardian, setGuardian] = useState<string | null>(null);
  const [values, setValues] = useState<Record<string, 1 | 2 | 3>>({});
  const [key, setKey] = useState(newKey());
  const [thanks, setThanks] = useState(false);
  const action = useAction();
  const zh = i18n.language.startsWith('zh');

  const chosen = screen.data?.guardians.find((g) => g.userId === guardian);
  const open = screen.data?.behaviours.filter((b) => !chosen?.ratedRuleIds.includes(b.id)) ?? [];

  async function submit() {
    if (!guardian) return;
    const ratings = Object.entries(values).map(([ruleId, value]) => ({ ruleId, value }));
    const result = await action.run(() => api.post('/api/points/child/ratings', { guardianUserId: guardian, ratings, idempotencyKey: key }));
    if (result) {
      setThanks(true);
      setValues({});
      setKey(newKey());
      setGuardian(null);
      screen.reload();
    }
  }

  return (
    <div className="child-shell" data-testid="child-ratings">
      <main className="child-rate" id="main">
        <h1>{thanks ? t('points.child.thanks') : t('points.child.title')}</h1>
        {screen.loading && !screen.data && <Loading />}
        <ErrorNotice error={screen.error} />
        {thanks && (
          <button type="button" className="btn btn-primary child-done" onClick={() => setThanks(false)}>
            ★
          </button>
        )}
        {screen.data && !thanks && (
          <>
            <div className="child-people" role="group" aria-label={t('points.child.pick')}>
              {screen.data.guardians.map((g) => {
                const done = g.ratedRuleIds.length >= screen.data!.behaviours.length;
                return (
                  <button
                    key={g.userId}
                    type="button"
                    className="child-person"
                    aria-pressed={guardian === g.userId}
                    disabled={done}
                    data-testid="child-guardian"
                    onClick={() => {
                      setGuardian(g.userId);
                      setValues({});
                    }}
                  >
                    {g.displayName}
                    {done && <span className="small block">{t('points.child.done')}</span>}
                  </button>
                );
              })}
            </div>
            {chosen && open.length === 0 && <p>{t('points.child.nothing')}</p>}
            {chosen &&
              open.map((b) => (
                <div key={b.id} className="child-behaviour" data-testid="child-behaviour">
                  <RuleIcon name={b.icon} size={48} />
                  <span className="label">{zh ? b.nameZh : b.nameEn}</span>
                  <span className="child-faces">
                    {([1, 2, 3] as const).map((v) => (
                      <button key={v} type="button" className="child-face" aria-pressed={values[b.id] === v} aria-label={t(`points.child.faces.${v}`)} onClick={() => setValues({ ...values, [b.id]: v })} data-testid={`child-face-${v}`}>
                        <Face value={v} size={44} />
                        <span>{t(`points.child.faces.${v}`)}</span>
                      </button>
                    ))}
                  </span>
                </div>
              ))}
            <ErrorNotice error={action.error} />
            {chosen && Object.keys(values).length > 0 && (
              <button type="button" className="btn btn-primary btn-child-big" disabled={action.busy} onClick={() => void submit()} data-testid="child-ratings-submit">
                {t('points.child.submit')}
              </button>
            )}
          </>
        )}
        <Link to="/" className="btn">
          {t('points.child.back')}
        </Link>
      </main>
    </div>
  );
}
