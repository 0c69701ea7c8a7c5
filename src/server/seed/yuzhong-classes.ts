import { randomUUID } from 'node:crypto';
import { sql, type Insertable, type Kysely } from 'kysely';
import type { DB } from '../db/types.ts';
import { chinaDate } from '../modules/classes/classes.service.ts';

const SEED_KEY = 'seed:yuzhong-classes';
const HOUR = 3_600_000;

/**
 * Demo parent-school classes, plainly marked as demo content:
 * - a small curated catalogue (three tiers) and the online course library: 2,520 demo entries across the three tiers
 *   and three themes (family education, career education, mental health), generated from title patterns;
 * - at 演示小学01 (the demo school): a flexible parent class with weekly sessions, one starting soon (to try check-in),
 *   and a fixed class with a 5 × 8 seat map and the demo family enrolled;
 * - at 领事巷社区家长学校 (the demo community): flexible after-school care (弹性托管) on weekdays and a weekend class.
 * Session times are relative to the day of seeding.
 */
export async function seedYuzhongClasses(db: Kysely<DB>): Promise<boolean> {
  if (await db.selectFrom('app_meta').select('key').where('key', '=', SEED_KEY).executeTakeFirst()) return false;
  const school = await db.selectFrom('organisations').select(['id', 'name']).where('external_id', '=', 'demo:school:01').executeTakeFirst();
  if (!school) return false; // the Yuzhong demo is not there
  await db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(7243006)`.execute(trx);
    if (await trx.selectFrom('app_meta').select('key').where('key', '=', SEED_KEY).executeTakeFirst()) return;
    const user = async (username: string) => (await trx.selectFrom('users').select('id').where('username', '=', username).executeTakeFirst())?.id ?? null;
    const centre = await user('centre.staff');
    const schoolAdmin = await user('school.admin');
    const teacher = await user('teacher.demo');
    const communityAdmin = await user('community.admin');
    const cps = await trx.selectFrom('organisations').select(['id', 'name']).where('kind', '=', 'community_parent_school').where('division_code', '=', '500103001011').executeTakeFirst();
    const centreOrg = await trx.selectFrom('organisations').select('id').where('external_id', '=', 'demo:centre').executeTakeFirst();

    // ---- the curated catalogue
    const curated: { tier: 'general' | 'required' | 'custom'; topic: string; title: string; summary: string; ageMin: number; ageMax: number; role: 'any' | 'mother' | 'father' | 'grandparent' | 'expecting' | 'committee'; format: 'in_person' | 'online' | 'mixed'; minutes: number; sessions: number }[] = [
      { tier: 'general', topic: 'family_education', title: '家校社协同育人：我们一起做什么（演示）', summary: '理念引领课：认识“15 分钟服务圈”，了解学校、家庭、社区各自能做的事。', ageMin: 3, ageMax: 18, role: 'any', format: 'in_person', minutes: 90, sessions: 1 },
      { tier: 'general', topic: 'mental_health', title: '看见孩子的情绪（演示）', summary: '理念引领课：情绪是信号不是麻烦，先接住再引导。', ageMin: 6, ageMax: 14, role: 'any', format: 'mixed', minutes: 60, sessions: 2 },
      { tier: 'required', topic: 'family_education', title: '幼小衔接家长必修（演示）', summary: '养育必修课：作息、专注力、自理能力的家庭准备。', ageMin: 5, ageMax: 7, role: 'any', format: 'in_person', minutes: 90, sessions: 4 },
      { tier: 'required', topic: 'family_education', title: '青春期沟通必修（演示）', summary: '养育必修课：少说教多倾听，边界与尊重。', ageMin: 11, ageMax: 15, role: 'any', format: 'in_person', minutes: 90, sessions: 4 },
      { tier: 'required', topic: 'mental_health', title: '近视防控与屏幕时间（演示）', summary: '养育必修课：户外时间、用眼习惯和家庭屏幕约定。', ageMin: 6, ageMax: 12, role: 'any', format: 'mixed', minutes: 60, sessions: 1 },
      { tier: 'custom', topic: 'career_education', title: '职业体验日：带孩子看见不同的工作（演示）', summary: '个性提升课：结合社区资源的职业启蒙活动设计。', ageMin: 8, ageMax: 15, role: 'any', format: 'in_person', minutes: 120, sessions: 1 },
      { tier: 'custom', topic: 'family_education', title: '爸爸的陪伴课（演示）', summary: '个性提升课：父亲参与的亲子运动与阅读。', ageMin: 3, ageMax: 12, role: 'father', format: 'in_person', minutes: 90, sessions: 3 },
      { tier: 'custom', topic: 'family_education', title: '隔代养育工作坊（演示）', summary: '个性提升课：祖辈与父母的分工与沟通。', ageMin: 0, ageMax: 12, role: 'grandparent', format: 'in_person', minutes: 90, sessions: 2 },
    ];
    const courseIds: string[] = [];
    for (const [i, c] of curated.entries()) {
      const row = await trx
        .insertInto('class_courses')
        .values({ external_id: `demo:course:${i + 1}`, tier: c.tier, topic: c.topic, title: c.title, summary: c.summary, age_min: c.ageMin, age_max: c.ageMax, guardian_role: c.role, format: c.format, duration_minutes: c.minutes, session_count: c.sessions, provider_org_id: centreOrg?.id ?? null, provider_name: null, materials: JSON.stringify([{ title: '讲义（演示）', url: null, kind: 'handout' }]), created_by: centre })
        .returning('id')
        .executeTakeFirstOrThrow();
      courseIds.push(row.id);
    }

    // ---- the online course library: 2,520 demo entries (3 tiers × 3 themes × 280)
    const themes: [string, string, string[]][] = [
      ['family_education', '家庭教育', ['亲子沟通', '习惯养成', '家庭阅读', '规则与边界', '祖辈养育', '二孩家庭', '家务劳动', '亲子运动', '家庭会议', '陪伴学习']],
      ['career_education', '职业启蒙', ['认识职业', '兴趣发现', '生涯规划', '劳动教育', '社区实践', '科学探究', '志愿服务', '选科指导', '时间管理', '目标设定']],
      ['mental_health', '心理健康', ['情绪管理', '压力应对', '同伴关系', '防欺凌', '睡眠与作息', '网络使用', '自信培养', '挫折教育', '青春期心理', '亲子冲突']],
    ];
    const tiers: ['general' | 'required' | 'custom', string][] = [
      ['general', '理念'],
      ['required', '必修'],
      ['custom', '提升'],
    ];
    const forms: [string, 'video' | 'reading', number][] = [
      ['微课', 'video', 12],
      ['讲座', 'video', 45],
      ['图文', 'reading', 10],
      ['案例', 'reading', 15],
    ];
    const bands: [number, number, string][] = [
      [0, 6, '学龄前'],
      [6, 9, '小学低段'],
      [9, 12, '小学高段'],
      [12, 15, '初中'],
      [15, 18, '高中'],
      [3, 15, '通用'],
      [6, 12, '小学'],
    ];
    const library: Insertable<DB['class_courses']>[] = [];
    let n = 0;
    for (const [topic, themeName, subjects] of themes)
      for (const [tier, tierName] of tiers)
        for (let i = 0; i < 280; i++) {
          n++;
          const subject = subjects[i % subjects.length]!;
          const [form, kind, minutes] = forms[Math.floor(i / subjects.length) % forms.length]!;
          const [ageMin, ageMax, bandName] = bands[Math.floor(i / (subjects.length * forms.length)) % bands.length]!;
          library.push({
            external_id: `demo:library:${String(n).padStart(4, '0')}`,
            tier,
            topic,
            title: `${themeName}·${subject}｜${bandName}${tierName}${form} 第${(i % 7) + 1}讲（演示）`,
            summary: `演示资源：${themeName}主题的${tierName}${form}，面向${bandName}孩子的家长。内容为占位示例。`,
            age_min: ageMin,
            age_max: ageMax,
            guardian_role: 'any',
            format: 'online',
            duration_minutes: minutes,
            session_count: 1,
            provider_org_id: centreOrg?.id ?? null,
            materials: JSON.stringify([{ title: `${form}（演示）`, url: null, kind }]),
            created_by: centre,
          });
        }
    for (let i = 0; i < library.length; i += 500) await trx.insertInto('class_courses').values(library.slice(i, i + 500)).execute();

    // ---- classes and sessions
    const today = new Date();
    const at = (daysAhead: number, hour: number, minute = 0) => {
      const day = chinaDate(new Date(today.getTime() + daysAhead * 24 * HOUR));
      return new Date(`${day}T${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}:00+08:00`);
    };
    const addClass = async (c: { org: string; course: string | null; mode: 'fixed' | 'flexible'; kind: 'parent_class' | 'flexible_care' | 'weekend_class'; title: string; description: string; audience?: 'public' | 'school_families'; perFamilyLimit?: number | null; seatRows?: number; seatCols?: number; by: string | null; staff: (string | null)[] }) => {
      const row = await trx
        .insertInto('classes')
        .values({ organisation_id: c.org, course_id: c.course, mode: c.mode, kind: c.kind, title: c.title, description: c.description, audience: c.audience ?? 'public', per_family_limit: c.perFamilyLimit ?? null, seat_rows: c.seatRows ?? null, seat_cols: c.seatCols ?? null, demo: true, created_by: c.by })
        .returning('id')
        .executeTakeFirstOrThrow();
      const staff = c.staff.filter((s): s is string => Boolean(s));
      if (staff.length > 0) await trx.insertInto('class_staff').values(staff.map((userId, i) => ({ class_id: row.id, user_id: userId, role: i === 0 ? 'lead' : 'assistant', added_by: c.by }))).execute();
      return row.id;
    };
    const addSessions = async (classId: string, starts: Date[], s: { minutes: number; capacity: number; waitlist: number; location: string; children?: number; cancelHours?: number; by: string | null }) => {
      const seriesId = starts.length > 1 ? randomUUID() : null;
      await trx
        .insertInto('class_sessions')
        .values(
          starts.map((startsAt) => ({
            class_id: classId,
            series_id: seriesId,
            starts_at: startsAt,
            ends_at: new Date(startsAt.getTime() + s.minutes * 60_000),
            held_on: chinaDate(startsAt),
            location: s.location,
            capacity: s.capacity,
            waitlist_capacity: s.waitlist,
            children_allowed: (s.children ?? 0) > 0,
            max_children: s.children ?? 0,
            cancel_until: new Date(startsAt.getTime() - (s.cancelHours ?? 2) * HOUR),
            created_by: s.by,
          })),
        )
        .execute();
    };

    const weekly = await addClass({ org: school.id, course: courseIds[1]!, mode: 'flexible', kind: 'parent_class', title: '周三家长课堂（演示）', description: '每周三晚上的家长课堂，按场预约；演示数据。', by: schoolAdmin, staff: [teacher, schoolAdmin] });
    const soon = new Date(Math.ceil((today.getTime() + 30 * 60_000) / (15 * 60_000)) * 15 * 60_000);
    await addSessions(weekly, [soon], { minutes: 90, capacity: 40, waitlist: 10, location: '学校报告厅', cancelHours: 0, by: schoolAdmin });
    await addSessions(weekly, [1, 8, 15, 22].map((d) => at(d, 19)), { minutes: 90, capacity: 40, waitlist: 10, location: '学校报告厅', by: schoolAdmin });

    const fixed = await addClass({ org: school.id, course: courseIds[2]!, mode: 'fixed', kind: 'parent_class', title: '一年级家长学校（固定课堂，演示）', description: '一年级家长固定课堂：固定时间、固定座位；演示数据。', audience: 'school_families', seatRows: 5, seatCols: 8, by: schoolAdmin, staff: [teacher] });
    await addSessions(fixed, [3, 17, 31, 45].map((d) => at(d, 18, 30)), { minutes: 90, capacity: 40, waitlist: 0, location: '一年级（1）班教室', by: schoolAdmin });
    const demoFamily = await trx.selectFrom('families').select('id').where('name', '=', '李家（演示）').executeTakeFirst();
    if (demoFamily) {
      await trx.insertInto('class_enrolments').values({ class_id: fixed, family_id: demoFamily.id, seat_label: 'B3', enrolled_by: schoolAdmin }).execute();
      await trx.insertInto('class_roster_changes').values({ class_id: fixed, family_id: demoFamily.id, action: 'enrol', seat_to: 'B3', changed_by: schoolAdmin }).execute();
    }

    if (cps) {
      const care = await addClass({ org: cps.id, course: null, mode: 'flexible', kind: 'flexible_care', title: '四点半弹性托管（演示）', description: '放学后到 18:00 的社区托管，按天预约，可带孩子；演示数据。', perFamilyLimit: 5, by: communityAdmin, staff: [communityAdmin] });
      const weekdays: Date[] = [];
      for (let d = 1; weekdays.length < 10; d++) {
        const day = at(d, 16, 30);
        const weekday = new Date(day.getTime() + 8 * HOUR).getUTCDay();
        if (weekday !== 0 && weekday !== 6) weekdays.push(day);
      }
      await addSessions(care, weekdays, { minutes: 90, capacity: 20, waitlist: 10, location: `${cps.name}活动室`, children: 2, by: communityAdmin });
      const weekend = await addClass({ org: cps.id, course: courseIds[5]!, mode: 'flexible', kind: 'weekend_class', title: '周末亲子课堂（演示）', description: '周六上午的亲子活动课，家长和孩子一起参加；演示数据。', by: communityAdmin, staff: [communityAdmin] });
      const saturdays: Date[] = [];
      for (let d = 1; saturdays.length < 4; d++) {
        const day = at(d, 9, 30);
        if (new Date(day.getTime() + 8 * HOUR).getUTCDay() === 6) saturdays.push(day);
      }
      await addSessions(weekend, saturdays, { minutes: 120, capacity: 15, waitlist: 5, location: `${cps.name}`, children: 2, by: communityAdmin });
    }
    await trx.insertInto('app_meta').values({ key: SEED_KEY, value: JSON.stringify({ seededAt: new Date().toISOString(), library: library.length }) }).execute();
  });
  return true;
}
