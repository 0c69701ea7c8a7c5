/**
 * Calendar arithmetic of the points bank on 'YYYY-MM-DD' strings (no time zones once a date is known).
 * Days are local days in China (Asia/Shanghai, one time zone for the whole country); weeks start on Monday.
 */
export const POINTS_TIME_ZONE = 'Asia/Shanghai';

const DAY_MS = 86_400_000;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

const formatter = new Intl.DateTimeFormat('en-CA', { timeZone: POINTS_TIME_ZONE, year: 'numeric', month: '2-digit', day: '2-digit' });

/** Today's date in China. */
export function today(now: Date = new Date()): string {
  return formatter.format(now);
}

function toUtc(date: string): number {
  const match = DATE.exec(date);
  if (!match) throw new Error(`not a date: ${date}`);
  return Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
}

function fromUtc(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

export function isValidDate(date: string): boolean {
  if (!DATE.test(date)) return false;
  return fromUtc(toUtc(date)) === date;
}

export function addDays(date: string, days: number): string {
  return fromUtc(toUtc(date) + days * DAY_MS);
}

export function daysBetween(from: string, to: string): number {
  return Math.round((toUtc(to) - toUtc(from)) / DAY_MS);
}

/** Monday of the week containing `date`. */
export function weekStart(date: string): string {
  const weekday = new Date(toUtc(date)).getUTCDay(); // 0 = Sunday
  return addDays(date, -((weekday + 6) % 7));
}

/**
 * The default school term containing `date`: the autumn term runs 1 September – 31 January, the spring term
 * 1 February – 31 August (holidays included, so that home activities always count somewhere).
 */
export function defaultTermFor(date: string): { startsOn: string; endsOn: string; nameZh: string } {
  const year = Number(date.slice(0, 4));
  const month = Number(date.slice(5, 7));
  if (month >= 9) return { startsOn: `${year}-09-01`, endsOn: `${year + 1}-01-31`, nameZh: `${year}—${year + 1}学年第一学期` };
  if (month === 1) return { startsOn: `${year - 1}-09-01`, endsOn: `${year}-01-31`, nameZh: `${year - 1}—${year}学年第一学期` };
  const endsOn = fromUtc(Date.UTC(year, 8, 1) - DAY_MS); // 31 August
  return { startsOn: `${year}-02-01`, endsOn, nameZh: `${year - 1}—${year}学年第二学期` };
}
