import ExcelJS from 'exceljs';

/** Calendars (iCalendar, RFC 5545) and spreadsheets of the classes module. */

export interface CalendarEvent {
  id: string;
  title: string;
  startsAt: Date;
  endsAt: Date;
  location: string | null;
  description: string;
  cancelled: boolean;
  updatedAt: Date;
  /** RFC 5545 SEQUENCE: raised with every change of the event (the session's version). */
  sequence?: number;
}

const stamp = (d: Date) => d.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
const escape = (text: string) => text.replace(/\\/g, '\\\\').replace(/;/g, '\\;').replace(/,/g, '\\,').replace(/\r?\n/g, '\\n');

/** Folds a content line at 75 octets (continuation lines start with a space), never inside a UTF-8 character. */
function fold(line: string): string {
  const out: string[] = [];
  let current = '';
  let octets = 0;
  for (const ch of line) {
    const size = Buffer.byteLength(ch);
    if (octets + size > (out.length === 0 ? 75 : 74)) {
      out.push(current);
      current = '';
      octets = 0;
    }
    current += ch;
    octets += size;
  }
  out.push(current);
  return out.join('\r\n ');
}

export function icsCalendar(name: string, events: CalendarEvent[]): string {
  const lines = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//CoEdu Circle//Parent classes//ZH', 'CALSCALE:GREGORIAN', 'METHOD:PUBLISH', `X-WR-CALNAME:${escape(name)}`, 'X-WR-TIMEZONE:Asia/Shanghai'];
  for (const e of events) {
    lines.push(
      'BEGIN:VEVENT',
      `UID:class-session-${e.id}@coedu`,
      `DTSTAMP:${stamp(e.updatedAt)}`,
      ...(e.sequence !== undefined ? [`SEQUENCE:${e.sequence}`, `LAST-MODIFIED:${stamp(e.updatedAt)}`] : []),
      `DTSTART:${stamp(e.startsAt)}`,
      `DTEND:${stamp(e.endsAt)}`,
      `SUMMARY:${escape(e.title)}`,
      ...(e.location ? [`LOCATION:${escape(e.location)}`] : []),
      `DESCRIPTION:${escape(e.description)}`,
      `STATUS:${e.cancelled ? 'CANCELLED' : 'CONFIRMED'}`,
      'END:VEVENT',
    );
  }
  lines.push('END:VCALENDAR');
  return lines.map(fold).join('\r\n') + '\r\n';
}

export const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

export async function rosterWorkbook(title: string, rows: { family: string; seat: string | null; status: string; guardian: string; checkedInAt: string | null; method: string | null; children: string }[]): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  workbook.creator = 'CoEdu Circle';
  const sheet = workbook.addWorksheet('名单 Roster');
  sheet.addRow([title]);
  sheet.addRow(['家庭 Family', '座位 Seat', '状态 Status', '家长 Guardian', '签到时间 Checked in', '方式 Method', '孩子 Children']);
  sheet.getRow(2).font = { bold: true };
  for (const r of rows) sheet.addRow([r.family, r.seat ?? '', r.status, r.guardian, r.checkedInAt ? new Date(r.checkedInAt) : '', r.method ?? '', r.children]);
  sheet.getColumn(5).numFmt = 'yyyy-mm-dd hh:mm';
  sheet.columns.forEach((column) => (column.width = 18));
  return Buffer.from(await workbook.xlsx.writeBuffer());
}
