// Staff webhooks as a staff channel: every ticket event is posted to one URL, as the documented
// JSON event or as a WeCom, Feishu or DingTalk group-bot message. One-way: staff act through the
// link each post carries (the admin API's ticket).
import type { MessageSender } from '../../src/engine/channel.js';
import type { Locale } from '../../src/engine/i18n.js';
import type { OutboundMessage } from '../../src/engine/types.js';
import type { StaffChannel, StaffEvent, StaffReport } from '../../src/staff/channel.js';
import { dingtalkFormat } from './dingtalk.js';
import { postFacts, reportEvent, reportFacts, ticketEvent } from './event.js';
import { feishuFormat } from './feishu.js';
import type { WebhookFormat, WebhookFormatName } from './format.js';
import { jsonFormat } from './json.js';
import { STAFF_WEBHOOK_CHANNEL, StaffWebhookSender } from './sender.js';
import { wecomFormat } from './wecom.js';

export { STAFF_WEBHOOK_CHANNEL };

const formats: Record<WebhookFormatName, WebhookFormat> = {
  json: jsonFormat,
  wecom: wecomFormat,
  feishu: feishuFormat,
  dingtalk: dingtalkFormat,
};

export interface StaffWebhookConfig {
  url: string;
  format: WebhookFormatName;
  secret?: string | undefined;
  /** Where staff reach Rapport: links in posts point at `${publicUrl}/api/v1/tickets/:id`. */
  publicUrl: string;
  /** The language of group-bot posts (the business's). */
  locale: Locale;
  /** For tests: the clock signatures are made with. */
  now?: () => number;
}

export class StaffWebhookChannel implements StaffChannel {
  readonly channel = STAFF_WEBHOOK_CHANNEL;
  readonly chatId: WebhookFormatName;

  constructor(
    private readonly format: WebhookFormat,
    private readonly o: Pick<StaffWebhookConfig, 'publicUrl' | 'locale'>,
  ) {
    this.chatId = format.name;
  }

  render(event: StaffEvent): OutboundMessage[] {
    const body = ticketEvent(event, this.o.publicUrl);
    // text: what the outbox logs when a post fails for good.
    return [{ text: postFacts(body, this.o.locale).title, data: this.format.body(body, this.o.locale) }];
  }

  /** A moderation case: the JSON event, or a group-bot post with a link to the case in the admin API. */
  renderReport(report: StaffReport): OutboundMessage[] {
    const body = reportEvent(report, this.o.publicUrl);
    const facts = reportFacts(body, this.o.locale);
    return [
      { text: facts.title, data: this.format.name === 'json' ? { ...body } : this.format.post(facts, this.o.locale) },
    ];
  }
}

export function createStaffWebhook(config: StaffWebhookConfig): { channel: StaffChannel; sender: MessageSender } {
  const format = formats[config.format];
  const publicUrl = config.publicUrl.replace(/\/+$/, '');
  return {
    channel: new StaffWebhookChannel(format, { publicUrl, locale: config.locale }),
    sender: new StaffWebhookSender({ url: config.url, format, secret: config.secret, now: config.now }),
  };
}
