import type { AttendanceKind, RuleKind } from './points.tables.ts';

/**
 * The rules a district starts a term with when it has configured none: written for this product, editable by
 * district staff per term. Points are small whole numbers on purpose: the bank rewards regular companionship,
 * not one-off effort, and caps stop any single activity from dominating a term.
 */
export interface DefaultRule {
  kind: RuleKind;
  code: string;
  nameZh: string;
  nameEn: string;
  icon: string;
  points: number | null;
  capPerDay: number | null;
  capPerWeek: number | null;
  capPerTerm: number | null;
}

/** 10 at-home parent–child activities (在家陪伴). */
const HOME: DefaultRule[] = [
  { code: 'reading_together', nameZh: '亲子共读', nameEn: 'Reading together', icon: 'book', points: 3 },
  { code: 'chores_together', nameZh: '一起做家务', nameEn: 'Chores together', icon: 'broom', points: 2 },
  { code: 'exercise_together', nameZh: '一起运动', nameEn: 'Exercise together', icon: 'ball', points: 3 },
  { code: 'dinner_talk', nameZh: '饭桌聊聊今天', nameEn: 'Dinner and a chat about the day', icon: 'bowl', points: 2 },
  { code: 'cooking_together', nameZh: '一起下厨', nameEn: 'Cooking together', icon: 'pot', points: 3 },
  { code: 'outdoor_visit', nameZh: '走进场馆或户外', nameEn: 'A visit to a venue or outdoors', icon: 'tree', points: 5 },
  { code: 'crafts_together', nameZh: '手工与创作', nameEn: 'Crafts and making things', icon: 'scissors', points: 3 },
  { code: 'family_meeting', nameZh: '家庭会议', nameEn: 'Family meeting', icon: 'chat', points: 3 },
  { code: 'screen_free_time', nameZh: '无屏幕陪伴时光', nameEn: 'Screen-free time together', icon: 'moon', points: 2 },
  { code: 'learning_alongside', nameZh: '陪伴学习（不代劳）', nameEn: 'Learning alongside (not doing it for them)', icon: 'pencil', points: 2 },
].map((rule) => ({ ...rule, kind: 'home_activity' as const, capPerDay: rule.points * 2, capPerWeek: rule.points * 7, capPerTerm: rule.points * 60 }));

export const ATTENDANCE_KINDS: AttendanceKind[] = ['parent_meeting', 'parent_class', 'open_day', 'volunteer_duty'];

/** 4 kinds of at-school attendance (在校陪伴), credited from attendance recorded by school staff. */
const SCHOOL: DefaultRule[] = [
  { code: 'parent_meeting', nameZh: '参加家长会', nameEn: 'Parent meeting', icon: 'people', points: 10, capPerTerm: 40 },
  { code: 'parent_class', nameZh: '参加家长课堂', nameEn: 'Parent class', icon: 'school', points: 10, capPerTerm: 100 },
  { code: 'open_day', nameZh: '参加校园开放日', nameEn: 'School open day', icon: 'flag', points: 8, capPerTerm: 32 },
  { code: 'volunteer_duty', nameZh: '家长志愿服务', nameEn: 'Volunteer duty at school', icon: 'heart', points: 15, capPerTerm: 150 },
].map((rule) => ({ ...rule, kind: 'school_attendance' as const, capPerDay: null, capPerWeek: null }));

/** Good companionship behaviours the child rates each week (孩子评价的 N 项陪伴好行为). */
const BEHAVIOURS: DefaultRule[] = [
  { code: 'listens_to_me', nameZh: '认真听我说话', nameEn: 'Listens to me', icon: 'ear' },
  { code: 'plays_with_me', nameZh: '陪我玩', nameEn: 'Plays with me', icon: 'kite' },
  { code: 'speaks_kindly', nameZh: '好好说话不吼我', nameEn: 'Speaks kindly, no shouting', icon: 'smile' },
  { code: 'keeps_promises', nameZh: '说到做到', nameEn: 'Keeps promises', icon: 'handshake' },
  { code: 'phone_down', nameZh: '陪我时放下手机', nameEn: 'Puts the phone away with me', icon: 'phone_off' },
  { code: 'praises_effort', nameZh: '夸我努力', nameEn: 'Praises my effort', icon: 'star' },
  { code: 'lets_me_choose', nameZh: '让我自己做决定', nameEn: 'Lets me decide things', icon: 'compass' },
  { code: 'reads_with_me', nameZh: '和我一起看书', nameEn: 'Reads with me', icon: 'book' },
].map((rule) => ({ ...rule, kind: 'child_rating' as const, points: null, capPerDay: null, capPerWeek: null, capPerTerm: null }));

export const DEFAULT_RULES: DefaultRule[] = [...HOME, ...SCHOOL, ...BEHAVIOURS];

/** Points for a child's rating of 1 (some of the time), 2 (often), 3 (always). */
export const DEFAULT_RATING_POINTS = [0, 1, 2];

/** How many days back a guardian may log a home activity. */
export const HOME_LOG_BACKDATE_DAYS = 7;
/** How many days back school staff may record an event. */
export const SCHOOL_EVENT_BACKDATE_DAYS = 90;
/** Aggregates for groups with fewer families than this show counts only, never points (no inference about one family). */
export const MIN_GROUP_FAMILIES = 3;
/** Largest photo accepted with a home activity (decoded bytes). */
export const MAX_PHOTO_BYTES = 700 * 1024;

/**
 * Group commit of home activities (see PointsService.commitHomeAwards): at most this many awards per transaction,
 * and at most this many such transactions at a time per server process.
 */
export const AWARD_BATCH_MAX = 64;
export const AWARD_BATCHES_CONCURRENT = 2;
