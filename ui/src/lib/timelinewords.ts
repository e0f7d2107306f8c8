// A timeline event in the reader's language: the core sends each event as a code and its fields
// (`TimelineEvent`, crates/core/src/api/describe.rs); the words are the dictionary's.

import { categoryName } from './categories';
import { translate, type Key, type Lang } from './i18n';
import type { TimelineEvent } from './types';

export function timelineWords(e: TimelineEvent, lang: Lang): string {
  const t = (key: Key, vars?: Record<string, string | number>) => translate(lang, key, vars);
  switch (e.code) {
    case 'patrol_started':
      return t('tle.patrol_started', { kind: t(e.kind === 'river' ? 'work.river' : 'work.fishing') });
    case 'track_points_appended':
      return t('tle.track_points_appended', { n: e.points });
    case 'patrol_ended':
      return e.notes ? t('tle.patrol_ended_notes', { notes: e.notes }) : t('tle.patrol_ended');
    case 'business_checked':
      return t('tle.business_checked', { outcome: t(`outcome.${e.outcome}`) });
    case 'publicity_tallied':
      return t('tle.publicity_tallied', { ...e.tally });
    case 'gear_seized':
      return t('tle.gear_seized', { description: e.description, quantity: e.quantity });
    case 'commitment_letter_signed':
      return t('tle.commitment_letter_signed', { name: e.signer_name });
    case 'inspection_started':
      return t('tle.inspection_started');
    case 'checklist_answered':
      return t('tle.checklist_answered', { item: e.item, answer: t(`answer.${e.answer}`) });
    case 'on_site_record_issued':
      return t('tle.on_site_record_issued', { number: e.number });
    case 'document_signed':
      return t('tle.document_signed', { role: t(`signer.${e.role}`), name: e.signer_name });
    case 'signature_refused':
      return t('tle.signature_refused', { name: e.witness_name });
    case 'inspection_closed':
      return t('tle.inspection_closed');
    case 'finding_reported':
      return t('tle.finding_reported', { category: categoryName(e.category, lang), description: e.description });
    case 'finding_amended':
      return t('tle.finding_amended');
    case 'photo_attached':
      return t('tle.photo_attached', { role: t(`prole.${e.role}`) });
    case 'rectification_assigned':
      return t('tle.rectification_assigned', { assignee: e.assignee });
    case 'finding_rectified':
      return t('tle.finding_rectified', { note: e.note });
    case 'finding_verified':
      return t('tle.finding_verified');
    case 'finding_reopened':
      return t('tle.finding_reopened', { reason: e.reason });
    case 'unit_defined':
      return t('tle.unit_defined', { name: e.name });
    case 'user_defined':
      return t('tle.user_defined', { name: e.name });
    case 'reach_defined':
      return t('tle.reach_defined', { name: e.name });
    case 'site_defined':
      return t('tle.site_defined', { name: e.name });
    case 'checklist_published':
      return t('tle.checklist_published', { name: e.name, version: e.version });
    case 'patrol_rules_published':
      return t('tle.patrol_rules_published', { name: e.name, version: e.version });
    case 'record_reviewed':
      if (e.decision === 'sent_back') return t('tle.record_sent_back', { comment: e.comment });
      return e.comment ? t('tle.record_approved_comment', { comment: e.comment }) : t('tle.record_approved');
  }
}
