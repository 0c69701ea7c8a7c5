// Registers the points bank's words (strings.ts) with i18next when a points page or the app shell loads.
import { i18next } from '../../i18n/index.ts';
import { pointsEn, pointsErrorsEn, pointsErrorsZh, pointsZh } from './strings.ts';

i18next.addResourceBundle('zh-CN', 'translation', { points: pointsZh, errors: pointsErrorsZh }, true, false);
i18next.addResourceBundle('en', 'translation', { points: pointsEn, errors: pointsErrorsEn }, true, false);
