// The problem categories of crates/domain/src/catalogue.rs (codes are stored in events), for
// the pickers. Names in both languages.

import type { FindingKind } from './types';

export interface Category { code: string; kind: FindingKind; zh: string; en: string }

const c = (code: string, kind: FindingKind, zh: string, en: string): Category => ({ code, kind, zh, en });

export const CATEGORIES: Category[] = [
  c('occupation', 'problem', '乱占', 'Illegal occupation'),
  c('sand_mining', 'problem', '乱采', 'Illegal sand mining'),
  c('dumping', 'problem', '乱堆', 'Dumping'),
  c('construction', 'problem', '乱建', 'Illegal construction'),
  c('sewage_outfall', 'problem', '排污口', 'Sewage outfall'),
  c('floating_garbage', 'problem', '水面漂浮物', 'Floating garbage'),
  c('dead_fish', 'problem', '死鱼', 'Dead fish'),
  c('water_colour', 'problem', '水体异色异味', 'Discoloured or smelly water'),
  c('damaged_facility', 'problem', '设施损坏', 'Damaged facility'),
  c('other_river', 'problem', '其他问题', 'Other river problem'),
  c('fire_safety', 'hazard', '消防安全', 'Fire safety'),
  c('electrical', 'hazard', '用电安全', 'Electrical safety'),
  c('hazardous_chemicals', 'hazard', '危险化学品', 'Hazardous chemicals'),
  c('special_equipment', 'hazard', '特种设备', 'Special equipment'),
  c('limited_space', 'hazard', '有限空间', 'Confined space'),
  c('emergency_exit', 'hazard', '安全出口', 'Emergency exits'),
  c('safety_management', 'hazard', '安全管理', 'Safety management'),
  c('other_hazard', 'hazard', '其他隐患', 'Other hazard'),
  c('illegal_fishing', 'violation', '非法捕捞', 'Illegal fishing'),
  c('selling_river_fish', 'violation', '销售长江野生鱼', 'Selling wild river fish'),
  c('banned_gear', 'violation', '违规渔具', 'Banned fishing gear'),
  c('electrofishing', 'violation', '电鱼', 'Electrofishing'),
  c('other_violation', 'violation', '其他违法行为', 'Other violation'),
];

export const categoriesOf = (kind: FindingKind) => CATEGORIES.filter((x) => x.kind === kind);
export const categoryName = (code: string, lang: 'zh' | 'en') => {
  const x = CATEGORIES.find((y) => y.code === code);
  return x ? x[lang] : code;
};
