/**
 * Badges of the growth handbook (成长手册徽章): earned from a term's record, never from comparing families.
 * Each badge says in plain words what earned it.
 */
export interface BadgeInput {
  activities: { code: string; times: number }[];
  homeWeeks: number;
  attendance: { kind: string }[];
  ratings: { ratings: number; average: number }[];
  weeksRated: number;
}

export interface Badge {
  code: string;
  nameZh: string;
  nameEn: string;
  descriptionZh: string;
  descriptionEn: string;
}

const BADGES: (Badge & { earned: (input: BadgeInput) => boolean })[] = [
  {
    code: 'steady_companion',
    nameZh: '坚持陪伴',
    nameEn: 'Steady companion',
    descriptionZh: '本学期有 8 周以上记录了在家陪伴',
    descriptionEn: 'Home activities logged in 8 or more weeks of the term',
    earned: (i) => i.homeWeeks >= 8,
  },
  {
    code: 'reading_family',
    nameZh: '书香家庭',
    nameEn: 'Reading family',
    descriptionZh: '本学期亲子共读 10 次以上',
    descriptionEn: 'Read together 10 or more times this term',
    earned: (i) => (i.activities.find((a) => a.code === 'reading_together')?.times ?? 0) >= 10,
  },
  {
    code: 'explorer',
    nameZh: '走出家门',
    nameEn: 'Explorers',
    descriptionZh: '本学期一起走进场馆或户外 3 次以上',
    descriptionEn: 'Visited a venue or went outdoors together 3 or more times',
    earned: (i) => (i.activities.find((a) => a.code === 'outdoor_visit')?.times ?? 0) >= 3,
  },
  {
    code: 'school_partner',
    nameZh: '家校同行',
    nameEn: 'School partner',
    descriptionZh: '本学期参加学校活动 3 次以上',
    descriptionEn: 'Took part in 3 or more school events this term',
    earned: (i) => i.attendance.length >= 3,
  },
  {
    code: 'volunteer',
    nameZh: '志愿家长',
    nameEn: 'Volunteer parent',
    descriptionZh: '本学期参加过学校志愿服务',
    descriptionEn: 'Volunteered at school this term',
    earned: (i) => i.attendance.some((a) => a.kind === 'volunteer_duty'),
  },
  {
    code: 'child_approved',
    nameZh: '孩子点赞',
    nameEn: 'Child-approved',
    descriptionZh: '孩子们在 4 周以上给出评价，平均达到“经常做到”以上',
    descriptionEn: 'Children rated in 4 or more weeks, on average "often" or better',
    earned: (i) => {
      const count = i.ratings.reduce((s, r) => s + r.ratings, 0);
      const mean = count === 0 ? 0 : i.ratings.reduce((s, r) => s + r.average * r.ratings, 0) / count;
      return i.weeksRated >= 4 && mean >= 2;
    },
  },
];

export function badgesFor(input: BadgeInput): Badge[] {
  return BADGES.filter((b) => b.earned(input)).map(({ earned: _earned, ...badge }) => badge);
}
