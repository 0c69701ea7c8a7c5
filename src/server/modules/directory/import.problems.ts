/**
 * Row problems of a directory import: a stable code (clients switch on it) and the words in English and Chinese
 * (the web app and the CLI show them as they are).
 */
export const PROBLEM_CODES = [
  'required',
  'too_long',
  'bad_characters',
  'duplicate_key',
  'duplicate_offer_id',
  'conflicting_rows',
  'unknown_kind',
  'unknown_community',
  'ambiguous_community',
  'unknown_category',
  'unknown_provider_kind',
  'unknown_designation',
  'unknown_offer_type',
  'unknown_audience',
  'unknown_crs',
  'crs_missing',
  'not_a_number',
  'not_an_integer',
  'out_of_range',
  'coordinates_incomplete',
  'outside_district',
  'lat_lon_swapped',
  'bad_boolean',
  'bad_opening_hours',
  'age_range',
  'bad_phone',
  'bad_url',
  'offer_without_name',
  'offer_id_taken',
  'location_id_taken',
  'out_of_scope',
] as const;
export type ProblemCode = (typeof PROBLEM_CODES)[number];

type Params = Record<string, string | number>;

const TEXTS: Record<ProblemCode, (p: Params) => [en: string, zh: string]> = {
  required: () => ['This cell must not be empty.', '此项不能为空。'],
  too_long: (p) => [`Too long: at most ${p.max} characters.`, `内容过长，最多 ${p.max} 个字。`],
  bad_characters: () => ['Contains control characters or line breaks that are not allowed here.', '含有不允许的控制字符或换行。'],
  duplicate_key: (p) => [`The same external id${p.offer ? ' and offer id' : ''} already appears in row ${p.first}.`, `与第 ${p.first} 行的外部编号${p.offer ? '和服务编号' : ''}重复。`],
  duplicate_offer_id: (p) => [`This offer id is already used in row ${p.first} for another organisation.`, `服务编号已在第 ${p.first} 行用于另一家机构。`],
  conflicting_rows: (p) => [`Row ${p.first} describes the same organisation differently (${p.fields}); rows of one organisation must agree.`, `第 ${p.first} 行对同一机构的填写不同（${p.fields}），同一机构的各行须一致。`],
  unknown_kind: () => ['Unknown kind: use 学校, 社区家长学校, 场馆基地 or 指导中心 (school, community_parent_school, venue, guidance_centre).', '类型无法识别：请填学校、社区家长学校、场馆基地或指导中心。'],
  unknown_community: () => ['No community or division with this name or code in the registry.', '登记中没有这个名称或代码的社区（区划）。'],
  ambiguous_community: (p) => [`Several divisions have this name (${p.codes}); give the code instead.`, `有多个同名区划（${p.codes}），请改填代码。`],
  unknown_category: (p) => [`Unknown base category "${p.item}".`, `基地类别“${p.item}”无法识别。`],
  unknown_provider_kind: () => ['Unknown provider kind.', '主体类型无法识别。'],
  unknown_designation: (p) => [`Unknown designation "${p.item}".`, `授牌类型“${p.item}”无法识别。`],
  unknown_offer_type: () => ['Unknown offer type: use 参观, 课程, 活动, 咨询, 托管, 研学 or 志愿服务 (or the English codes).', '服务类型无法识别：请填参观、课程、活动、咨询、托管、研学或志愿服务。'],
  unknown_audience: () => ['Unknown audience: use 家庭, 儿童 or 家长 (families, children, guardians).', '服务对象无法识别：请填家庭、儿童或家长。'],
  unknown_crs: () => ['Unknown coordinate system: use WGS-84, GCJ-02 or BD-09.', '坐标系无法识别：请填 WGS-84、GCJ-02 或 BD-09。'],
  crs_missing: () => ['Coordinates need their coordinate system: fill the crs column or choose one for the whole import.', '填写坐标时须说明坐标系：请填“坐标系”一列，或在导入时统一选择。'],
  not_a_number: () => ['Not a number.', '不是数字。'],
  not_an_integer: () => ['Not a whole number.', '不是整数。'],
  out_of_range: (p) => [`Out of range: allowed ${p.min} to ${p.max}.`, `超出范围：应在 ${p.min} 到 ${p.max} 之间。`],
  coordinates_incomplete: () => ['Give both longitude and latitude, or neither.', '经度和纬度须同时填写或同时留空。'],
  outside_district: () => ['The point lies outside the district outline: check the numbers and the coordinate system.', '该点位于本区边界之外：请检查经纬度和坐标系。'],
  lat_lon_swapped: () => ['Longitude and latitude look swapped: swapped, the point lies inside the district.', '经度和纬度似乎填反了：对调后该点位于本区之内。'],
  bad_boolean: () => ['Use 是 or 否 (yes/no).', '请填“是”或“否”。'],
  bad_opening_hours: () => ['Opening hours do not follow the syntax, e.g. 周二至周日 09:00-17:00；周一 09:00-12:00.', '开放时间格式不正确，示例：周二至周日 09:00-17:00；周一 09:00-12:00。'],
  age_range: () => ['The minimum age is above the maximum age.', '最小年龄大于最大年龄。'],
  bad_phone: () => ['Not a phone number (digits, spaces, + - ( ) and / between numbers).', '电话号码格式不正确（数字、空格、+ - ( )，多个号码用 / 分隔）。'],
  bad_url: () => ['Not a web address (http or https).', '不是有效的网址（http 或 https）。'],
  offer_without_name: () => ['Offer details are filled in but the offer name is empty.', '填写了服务信息，但服务名称为空。'],
  offer_id_taken: () => ['This offer id already belongs to an offer of another organisation.', '该服务编号已属于另一家机构的服务。'],
  location_id_taken: () => ['The place id derived from this external id already belongs to another organisation.', '由该外部编号生成的场所编号已属于另一家机构。'],
  out_of_scope: (p) => [
    `Outside your scope: ${p.reason === 'kind' ? 'community administrators import community parent schools and venues only' : p.reason === 'community' ? 'the organisation must be in a community you administer' : 'this organisation is managed by someone else'}.`,
    `超出您的管理范围：${p.reason === 'kind' ? '社区管理员只能导入社区家长学校和场馆基地' : p.reason === 'community' ? '机构须位于您管理的社区' : '该机构不归您管理'}。`,
  ],
};

export function problemText(code: ProblemCode, params: Params = {}): { message: string; messageZh: string } {
  const [message, messageZh] = TEXTS[code](params);
  return { message, messageZh };
}
