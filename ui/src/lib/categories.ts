// The problem categories of crates/domain/src/catalogue.rs (codes are stored in events), for
// the pickers: generated with the API's types. Names in both languages.

import { CATEGORIES } from './generated/api';
import type { FindingKind } from './types';

export { CATEGORIES };
export type { Category } from './generated/api';

export const categoriesOf = (kind: FindingKind) => CATEGORIES.filter((x) => x.kind === kind);
export const categoryName = (code: string, lang: 'zh' | 'en') => {
  const x = CATEGORIES.find((y) => y.code === code);
  return x ? x[lang] : code;
};
