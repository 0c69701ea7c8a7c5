import type { CourseTier } from './classes.tables.ts';

/** A library entry that could be recommended. */
export interface Candidate {
  id: string;
  title: string;
  tier: CourseTier;
  topic: string;
  ageMin: number;
  ageMax: number;
  hasFile: boolean;
}

/** What the family has done: completed library entries (any guardian) and booked classes, most recent first. */
export interface FamilyHistory {
  /** Ages of the family's children this year (children without a birth year are left out). */
  childAges: number[];
  completed: { courseId: string; title: string; tier: CourseTier; topic: string }[];
  booked: { title: string; tier: CourseTier | null; topic: string | null }[];
  /** Entries not to recommend: completed by the family, or already in progress for this guardian. */
  exclude: ReadonlySet<string>;
}

/** Why an entry is recommended; the web app words it ("适合 6–9 岁", "因为你学完了《…》"). */
export type Reason =
  | { kind: 'age'; ageMin: number; ageMax: number; childAge: number }
  | { kind: 'completed'; courseId: string; title: string }
  | { kind: 'booked'; title: string }
  | { kind: 'tier'; tier: CourseTier };

export interface Recommendation {
  candidate: Candidate;
  score: number;
  reasons: Reason[];
}

/**
 * Ranks library entries for one guardian. Deterministic: the same inputs give the same list in the same order.
 *
 * - **Age**: when the family has children with a known age, an entry must suit one of them (age in its band);
 *   a narrower band (written for that age) scores higher than a general one. Without known ages, age is no filter.
 * - **History**: an entry in a theme the family completed (+3, "because you finished …", the most recent such
 *   entry) or booked a class of (+2, "because you booked …"); in a tier they completed or booked (+1).
 * - **Ready to use**: an entry with a file scores +2 over one that has none yet.
 * - Every recommendation states at least one reason; entries with none are left out. Completed entries and this
 *   guardian's entries in progress (shown under "continue") are excluded.
 * - **Variety**: each further pick from a theme already picked costs 1.5, so one busy theme does not fill the list.
 * - Ties: higher score, then title, then id (code-point order).
 */
export function recommend(candidates: readonly Candidate[], history: FamilyHistory, limit: number): Recommendation[] {
  const scored: Recommendation[] = [];
  for (const candidate of candidates) {
    if (history.exclude.has(candidate.id)) continue;
    const reasons: Reason[] = [];
    let score = 0;
    if (history.childAges.length > 0) {
      const fitting = history.childAges.filter((age) => age >= candidate.ageMin && age <= candidate.ageMax).sort((a, b) => a - b);
      if (fitting.length === 0) continue;
      const width = candidate.ageMax - candidate.ageMin;
      score += 4 + Math.max(0, 12 - width) / 4;
      reasons.push({ kind: 'age', ageMin: candidate.ageMin, ageMax: candidate.ageMax, childAge: fitting[0]! });
    }
    const completed = history.completed.find((c) => c.topic === candidate.topic);
    const booked = history.booked.find((b) => b.topic === candidate.topic);
    if (completed) {
      score += 3;
      reasons.push({ kind: 'completed', courseId: completed.courseId, title: completed.title });
    } else if (booked) {
      score += 2;
      reasons.push({ kind: 'booked', title: booked.title });
    }
    if (history.completed.some((c) => c.tier === candidate.tier) || history.booked.some((b) => b.tier === candidate.tier)) {
      score += 1;
      if (!completed && !booked) reasons.push({ kind: 'tier', tier: candidate.tier });
    }
    if (reasons.length === 0) continue;
    if (candidate.hasFile) score += 2;
    scored.push({ candidate, score, reasons });
  }
  const order = (a: Recommendation, b: Recommendation, penalty: (r: Recommendation) => number) =>
    b.score - penalty(b) - (a.score - penalty(a)) || compare(a.candidate.title, b.candidate.title) || compare(a.candidate.id, b.candidate.id);

  const picked: Recommendation[] = [];
  const perTopic = new Map<string, number>();
  const penalty = (r: Recommendation) => 1.5 * (perTopic.get(r.candidate.topic) ?? 0);
  let pool = scored.sort((a, b) => order(a, b, () => 0));
  while (picked.length < limit && pool.length > 0) {
    // Only the best of each theme can win a round: the others carry the same or a larger penalty.
    let best = 0;
    for (let i = 1; i < pool.length; i++) if (order(pool[i]!, pool[best]!, penalty) < 0) best = i;
    const choice = pool[best]!;
    picked.push(choice);
    perTopic.set(choice.candidate.topic, (perTopic.get(choice.candidate.topic) ?? 0) + 1);
    pool = pool.filter((_, i) => i !== best);
  }
  return picked;
}

function compare(a: string, b: string) {
  return a < b ? -1 : a > b ? 1 : 0;
}
