// RAPPORT_CONFIG `faq`: synonyms searched as one, and when to answer outright, suggest or say "I don't know".
import { z } from 'zod';
import { enabled } from '../../kernel/settings.js';

const defaultSynonyms = [
  ['外卖', '配送', '送餐', '外送', '送货'],
  ['退款', '退钱', '退费'],
  ['积分', '分数'],
  ['会员', 'vip'],
  ['营业', '开门', '关门'],
  ['refund', 'money back', 'reimburse'],
  ['deliver', 'delivery', 'takeaway', 'takeout'],
  ['member', 'membership', 'vip', 'loyalty'],
  ['open', 'opening', 'hours'],
];

export const faqSettings = z
  .object({
    enabled,
    /** Words searched as one: each group's first term stands for all of them. */
    synonyms: z.array(z.array(z.string().min(1)).min(2)).default(defaultSynonyms),
    /** Answer outright at this coverage of the question and this much evidence… */
    highCoverage: z.number().min(0).max(1).default(0.5),
    highEvidence: z.number().min(0).max(20).default(1),
    /** …when the best entry scores this much above the runner-up (0.1 = 10 %). */
    margin: z.number().min(0).max(5).default(0.1),
    /** Offer "did you mean" from this coverage and evidence on; below, say "I don't know". */
    middleCoverage: z.number().min(0).max(1).default(0.15),
    middleEvidence: z.number().min(0).max(20).default(0.5),
    maxSuggestions: z.number().int().min(1).max(3).default(3),
    /** Entries a model sees per question. */
    modelEntries: z.number().int().min(1).max(10).default(4),
    learn: z
      .object({
        /**
         * A question becomes a learned way of asking for an entry when this many distinct customers
         * chose that entry from "did you mean" after asking it; 0 = only staff add them.
         */
        autoApproveAfter: z.number().int().min(0).max(1000).default(2),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .prefault({});

export type FaqSettings = z.infer<typeof faqSettings>;
