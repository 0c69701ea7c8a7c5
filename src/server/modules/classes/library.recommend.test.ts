import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { recommend, type Candidate, type FamilyHistory } from './library.recommend.ts';
import { reasonText } from './library.service.ts';

/** Hand-built fixtures: a small catalogue and families whose expected lists are worked out by hand below. */
const c = (id: string, topic: string, ageMin: number, ageMax: number, extra: Partial<Candidate> = {}): Candidate => ({ id, title: `课程 ${id}`, tier: 'required', topic, ageMin, ageMax, hasFile: false, ...extra });

const catalogue: Candidate[] = [
  // age score: 4 + (12 − band width) / 4
  c('a', 'family_education', 6, 9, { hasFile: true }), // 4 + 9/4 = 6.25, +2 file = 8.25
  c('b', 'family_education', 6, 9), // 6.25
  c('c', 'family_education', 3, 15), // 4 + 0 = 4
  c('d', 'mental_health', 6, 12), // 4 + 6/4 = 5.5
  c('e', 'mental_health', 0, 5), // no child of 0–5
  c('f', 'career_education', 9, 12, { tier: 'custom' }), // 6.25 (child of 10)
  c('g', 'career_education', 12, 15), // no child of 12–15
];

const history = (over: Partial<FamilyHistory> = {}): FamilyHistory => ({ childAges: [7, 10], completed: [], booked: [], exclude: new Set(), ...over });

describe('library recommendations (pure ranking)', () => {
  it('by age alone: only entries that suit a child, narrower bands first, ties by title', () => {
    const list = recommend(catalogue, history(), 10);
    // With the variety penalty (1.5 per entry already picked from the theme):
    // round 1: a 8.25. round 2: b 6.25−1.5 = 4.75, d 5.5, f 6.25, c 4−1.5 = 2.5 → f. round 3: b 4.75, d 5.5 → d.
    // round 4: b 4.75, c 2.5 → b. round 5: c 4−3 = 1 → c.
    assert.deepEqual(list.map((r) => r.candidate.id), ['a', 'f', 'd', 'b', 'c']);
    assert.deepEqual(list[0]!.reasons, [{ kind: 'age', ageMin: 6, ageMax: 9, childAge: 7 }]);
    assert.deepEqual(list.find((r) => r.candidate.id === 'f')!.reasons, [{ kind: 'age', ageMin: 9, ageMax: 12, childAge: 10 }]);
  });

  it('history adds the theme they finished (+3) or booked (+2), the tier (+1), and excludes what is done', () => {
    const list = recommend(
      catalogue,
      history({
        completed: [{ courseId: 'x', title: '情绪课', tier: 'general', topic: 'mental_health' }],
        booked: [{ title: '职业体验日', tier: 'custom', topic: 'career_education' }],
        exclude: new Set(['a']),
      }),
      3,
    );
    // f 6.25 + 2 (booked theme) + 1 (booked tier) = 9.25; d 5.5 + 3 (finished theme) = 8.5; b 6.25; c 4
    assert.deepEqual(list.map((r) => [r.candidate.id, r.score]), [['f', 9.25], ['d', 8.5], ['b', 6.25]]);
    assert.deepEqual(list[1]!.reasons, [{ kind: 'age', ageMin: 6, ageMax: 12, childAge: 7 }, { kind: 'completed', courseId: 'x', title: '情绪课' }]);
    assert.deepEqual(list[0]!.reasons, [{ kind: 'age', ageMin: 9, ageMax: 12, childAge: 10 }, { kind: 'booked', title: '职业体验日' }]);
    assert.equal(reasonText(list[1]!.reasons), '适合 6–12 岁；因为你学完了《情绪课》');
    assert.equal(reasonText(list[0]!.reasons), '适合 9–12 岁；因为你预约了《职业体验日》');
  });

  it('without known ages, history alone decides; an entry needs at least one reason', () => {
    const list = recommend(catalogue, history({ childAges: [], completed: [{ courseId: 'x', title: '情绪课', tier: 'custom', topic: 'mental_health' }] }), 10);
    // d, e: theme (+3); f, custom tier (+1, reason "tier"); g custom? no (required). a: file but no reason → out.
    assert.deepEqual(list.map((r) => r.candidate.id), ['d', 'e', 'f']);
    assert.deepEqual(list[2]!.reasons, [{ kind: 'tier', tier: 'custom' }]);
    assert.equal(reasonText(list[2]!.reasons), '延续你学过的个性提升课');
    assert.deepEqual(recommend(catalogue, history({ childAges: [] }), 10), [], 'nothing known, nothing claimed');
  });

  it('is deterministic whatever the input order', () => {
    const forward = recommend(catalogue, history(), 10).map((r) => r.candidate.id);
    const backward = recommend([...catalogue].reverse(), history(), 10).map((r) => r.candidate.id);
    assert.deepEqual(backward, forward);
  });
});
