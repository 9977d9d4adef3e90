// One customer across channels: /link gives a code to send from the other app, and the two
// customer records become one (every feature moves its rows: Feature.onCustomersMerged).
import { defineFeature } from '../../kernel/feature.js';
import { onOff } from '../../kernel/settings.js';
import type { Tx } from '../../store/index.js';
import { linkCommand } from './middleware.js';
import { linkingRoutes } from './routes.js';
import { linkingTexts } from './texts.js';

/** The absorbed customer's link codes die with it. */
async function dropLinkCodes(tx: Tx, _survivorId: string, absorbedId: string): Promise<void> {
  await tx.linkCode.deleteMany({ where: { customerId: absorbedId } });
}

export const linkingFeature = defineFeature({
  name: 'linking',
  summary: 'One customer across channels: /link joins accounts; staff merge and unlink by API',
  settings: { key: 'linking', schema: onOff },
  texts: linkingTexts,
  slots: ['link'],
  commands: [{ name: 'link', describe: { 'zh-CN': '绑定其他App的账号', en: 'join your accounts in other apps' } }],
  onCustomersMerged: dropLinkCodes,
  setup(host) {
    const o = { db: host.db, clock: host.clock, moveRows: host.customersMerged };
    return {
      middleware: { link: linkCommand(o) },
      adminRoutes: (app) => linkingRoutes(app, o),
    };
  },
});
