// Birthdays: /birthday MM-DD (生日 MM-DD); on the day a job awards loyalty.rules.birthday points
// once a year and wishes the customer well (marketing: no wish after /stop, the points all the same).
import { z } from 'zod';
import { defineFeature } from '../../kernel/feature.js';
import { enabled } from '../../kernel/settings.js';
import type { Tx } from '../../store/index.js';
import { loyaltyFeature } from '../loyalty/index.js';
import { birthdayCommand, runBirthdays } from './birthdays.js';
import { birthdayTexts } from './texts.js';

const settings = z
  .object({
    enabled,
    /** When the daily job runs (cron, BUSINESS_TIMEZONE). */
    schedule: z.string().min(1).default('0 9 * * *'),
  })
  .strict()
  .prefault({});

/** The survivor keeps their own birthday, else takes the other's. */
async function mergeBirthday(tx: Tx, survivorId: string, absorbedId: string): Promise<void> {
  const [survivor, absorbed] = await Promise.all(
    [survivorId, absorbedId].map((id) => tx.customer.findUniqueOrThrow({ where: { id }, select: { birthday: true } })),
  );
  if (!survivor?.birthday && absorbed?.birthday) {
    await tx.customer.update({ where: { id: survivorId }, data: { birthday: absorbed.birthday } });
  }
}

export const birthdaysFeature = defineFeature({
  name: 'birthdays',
  summary: 'Customers tell their birthday; on the day, points and a wish',
  dependsOn: ['loyalty'],
  settings: { key: 'birthdays', schema: settings },
  texts: birthdayTexts,
  slots: ['birthday'],
  commands: [
    {
      name: 'birthday',
      args: { 'zh-CN': '月-日', en: 'MM-DD' },
      describe: { 'zh-CN': '登记生日', en: 'your birthday' },
    },
  ],
  onCustomersMerged: mergeBirthday,
  setup(host) {
    const { loyalty } = host.use(loyaltyFeature);
    return {
      middleware: { birthday: birthdayCommand(host.db, loyalty) },
      jobs: [
        { name: 'birthdays', schedule: host.settings.schedule, run: () => runBirthdays({ ...host.outreach, loyalty }) },
      ],
    };
  },
});
