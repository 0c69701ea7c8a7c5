// Parent-school classes: API types (src/server/modules/classes/classes.schema.ts is the truth), the writes that carry an
// Idempotency-Key (the shared client in api.ts sends no per-request headers), and the offline queue of check-in marks.
import type { TFunction } from 'i18next';
import { ApiError, isApiError } from '../../api.ts';
import { errorText } from '../../components/ui.tsx';

export type ClassKind = 'parent_class' | 'flexible_care' | 'weekend_class';
export type Tier = 'general' | 'required' | 'custom';

export interface Session {
  id: string;
  classId: string;
  seriesId: string | null;
  classTitle: string;
  mode: 'fixed' | 'flexible';
  kind: ClassKind;
  audience: 'public' | 'school_families';
  organisation: { id: string; name: string; kind: string };
  startsAt: string;
  endsAt: string;
  heldOn: string;
  location: string | null;
  capacity: number;
  seatsTaken: number;
  seatsLeft: number;
  waitlistCapacity: number;
  waitlistCount: number;
  childrenAllowed: boolean;
  maxChildren: number;
  cancelUntil: string;
  status: 'scheduled' | 'cancelled';
}

export interface Booking {
  id: string;
  sessionId: string;
  classId: string;
  familyId: string;
  status: 'confirmed' | 'waitlisted' | 'cancelled';
  seats: number;
  guardianUserIds: string[];
  childIds: string[];
  waitlistPosition: number | null;
  promoted: boolean;
  cancelReason: string | null;
  createdAt: string;
}

export interface MyBooking extends Booking {
  session: { startsAt: string; endsAt: string; location: string | null; status: 'scheduled' | 'cancelled'; cancelUntil: string };
  classTitle: string;
  kind: ClassKind;
  organisationName: string;
}

export interface ClassView {
  id: string;
  organisation: { id: string; name: string; kind: string };
  course: { id: string; title: string | null; tier: Tier | null } | null;
  mode: 'fixed' | 'flexible';
  kind: ClassKind;
  title: string;
  description: string | null;
  audience: 'public' | 'school_families';
  perFamilyLimit: number | null;
  cancelHours: number;
  reminderMinutes: number;
  seatMap: { rows: number; cols: number } | null;
  staff: { userId: string; displayName: string; role: 'lead' | 'assistant' }[];
  status: 'active' | 'archived';
  canManage: boolean;
}

export interface Course {
  id: string;
  tier: Tier;
  topic: string;
  title: string;
  summary: string | null;
  ageMin: number;
  ageMax: number;
  format: 'in_person' | 'online' | 'mixed';
  durationMinutes: number;
  provider: { organisationId: string | null; name: string | null };
  status?: 'draft' | 'published' | 'archived';
  file: LibraryFile | null;
}

/** A library entry's file in our own storage (null on entries that have none). */
export interface LibraryFile {
  mediaKind: 'video' | 'audio' | 'article' | 'document';
  contentType: string;
  byteSize: number;
  fileName: string;
  demo: boolean;
  url: string;
}

export interface LibraryEntry {
  id: string;
  title: string;
  tier: Tier;
  topic: string;
  ageMin: number;
  ageMax: number;
  durationMinutes?: number;
  file: LibraryFile | null;
}

export interface LibraryProgress {
  positionSeconds: number;
  percent: number;
  startedAt: string;
  updatedAt: string;
  completedAt: string | null;
}

export interface MyLearning {
  inProgress: { course: LibraryEntry; progress: LibraryProgress }[];
  completed: { course: LibraryEntry; progress: LibraryProgress }[];
  families: { familyId: string; name: string; completed: number; guardiansCompleting: number }[];
}

export type RecommendationReason =
  | { kind: 'age'; ageMin: number; ageMax: number; childAge: number }
  | { kind: 'completed'; courseId: string; title: string }
  | { kind: 'booked'; title: string }
  | { kind: 'tier'; tier: Tier };

export interface Recommendations {
  childAges: number[];
  items: { course: LibraryEntry; reasons: RecommendationReason[]; reasonText: string }[];
}

export interface RosterEntry {
  familyId: string;
  familyName: string;
  bookingId: string | null;
  enrolmentId: string | null;
  status: 'confirmed' | 'waitlisted' | 'enrolled';
  seatLabel: string | null;
  guardians: { userId: string; displayName: string; checkedInAt: string | null; method: string | null }[];
  children: { id: string; displayName: string }[];
}

export interface Roster {
  session: Session;
  entries: RosterEntry[];
}

export interface Notification {
  id: string;
  kind: string;
  title: string;
  body: string;
  createdAt: string;
  readAt: string | null;
}

export interface Enrolment {
  id: string;
  familyId: string;
  familyName: string;
  seatLabel: string | null;
}

export function newKey(): string {
  return typeof crypto !== 'undefined' && 'randomUUID' in crypto ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(36).slice(2)}`;
}

async function errorFrom(response: Response): Promise<ApiError> {
  try {
    const body = (await response.json()) as { error?: string; message?: string; issues?: { path: string; message: string }[] };
    if (typeof body.error === 'string') return new ApiError(response.status, body.error, body.message ?? body.error, body.issues ?? []);
  } catch {
    // not JSON
  }
  return new ApiError(response.status, 'bad_response', `HTTP ${response.status}`);
}

/** A write with an Idempotency-Key: keep the key for one intended action and send it again on retry. */
export async function postWithKey<T>(path: string, body: unknown, key: string, csrfToken: string | null): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json', 'content-type': 'application/json', 'idempotency-key': key };
  if (csrfToken) headers['x-csrf-token'] = csrfToken;
  let response: Response;
  try {
    response = await fetch(path, { method: 'POST', headers, body: JSON.stringify(body), credentials: 'same-origin' });
  } catch (error) {
    throw new ApiError(0, 'network_error', error instanceof Error ? error.message : String(error));
  }
  if (!response.ok) throw await errorFrom(response);
  return (await response.json()) as T;
}

/** Localised text for any error, with the classes' own error ids first. */
export function classesErrorText(t: TFunction, error: unknown): string {
  if (isApiError(error) && t(`classes.errors.${error.id}`, { defaultValue: '' })) return t(`classes.errors.${error.id}`);
  return errorText(t, error);
}

export function formatWhen(iso: string, language: string): string {
  return new Intl.DateTimeFormat(language === 'en' ? 'en-GB' : 'zh-CN', { timeZone: 'Asia/Shanghai', month: 'numeric', day: 'numeric', weekday: 'short', hour: '2-digit', minute: '2-digit' }).format(new Date(iso));
}

// ---- offline marks ---------------------------------------------------------------------------------------------------

export interface PendingMark {
  guardianUserId: string;
  at: string;
}

const queueKey = (sessionId: string) => `coedu.classes.marks.${sessionId}`;
const rosterKey = (sessionId: string) => `coedu.classes.roster.${sessionId}`;

/** Marks made while offline wait here (with the batch's Idempotency-Key) until they are synced. */
export function loadQueue(sessionId: string): { key: string; marks: PendingMark[] } {
  try {
    const raw = localStorage.getItem(queueKey(sessionId));
    if (raw) return JSON.parse(raw) as { key: string; marks: PendingMark[] };
  } catch {
    // unreadable: start again
  }
  return { key: newKey(), marks: [] };
}

export function saveQueue(sessionId: string, queue: { key: string; marks: PendingMark[] }) {
  if (queue.marks.length === 0) localStorage.removeItem(queueKey(sessionId));
  else localStorage.setItem(queueKey(sessionId), JSON.stringify(queue));
}

export function cacheRoster(sessionId: string, roster: Roster) {
  try {
    localStorage.setItem(rosterKey(sessionId), JSON.stringify({ savedAt: new Date().toISOString(), roster }));
  } catch {
    // storage full: the page still works online
  }
}

export function cachedRoster(sessionId: string): { savedAt: string; roster: Roster } | null {
  try {
    const raw = localStorage.getItem(rosterKey(sessionId));
    return raw ? (JSON.parse(raw) as { savedAt: string; roster: Roster }) : null;
  } catch {
    return null;
  }
}
