// A marketing message queued before quiet hours but still waiting when they begin (a campaign goes
// out at the platform's pace for an hour) is not sent in them: the dispatcher puts it back until
// they end. Replies in the same chat go on.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { notify } from '../../src/outbox/outreach.js';
import { RecordingChannel } from '../fakes/channel.js';
import { FakeClock } from '../fakes/clock.js';
import { admin, testApp } from '../helpers/app.js';
import { describeOnEachDatabase } from '../helpers/databases.js';

// 20:58 in Shanghai.
const BEFORE_NIGHT = Date.parse('2027-01-10T12:58:00Z');

describeOnEachDatabase('marketing waiting in the outbox when quiet hours begin', (database) => {
  const clock = new FakeClock(BEFORE_NIGHT);
  const channel = new RecordingChannel('paced', [], () => clock.now());
  let app: App;
  beforeAll(async () => {
    app = await testApp(database().url, {
      clock,
      adapters: [channel],
      yaml: 'loyalty:\n  rules:\n    welcome: 0\noutreach:\n  quietHours: { start: "21:00", end: "09:00" }\n  frequencyCap: false\n',
    });
  });
  afterAll(async () => {
    await app?.stop();
  });

  /** The customer sends /help (the bot answers in the chat). */
  const writes = (id: string) =>
    app.engine.handleInbound({
      channel: 'paced',
      chatId: 'c1',
      chatType: 'private',
      sender: { id: 'c1' },
      text: '/help',
      mentioned: true,
      platformMessageId: id,
    });

  it('is put back until 09:00, not sent at night; a reply in the chat still goes', async () => {
    await writes('q-1');
    await app.dispatcher.drain();
    channel.delivered.length = 0;
    const customer = (await app.server.inject({ url: '/api/v1/customers?externalId=c1', headers: admin })).json()
      .customers[0].id as string;
    // Queued at 20:58: not held.
    const sent = await notify(app.features.outreach, customer, () => 'Members get 20% off all week!', {
      purpose: 'marketing',
      kind: 'campaign',
      key: 'campaign:test:c1',
    });
    expect(sent.status).toBe('queued');
    // The platform's pace kept it waiting past 21:00.
    clock.advance(5 * 60_000);
    await writes('q-2');
    await app.dispatcher.drain();
    expect(channel.delivered.map((d) => d.message.text).filter((t) => t.includes('20% off'))).toEqual([]);
    expect(channel.delivered).toHaveLength(1);
    const row = await app.store.db.outbox.findFirst({ where: { dedupeKey: 'campaign:test:c1' } });
    expect(row).toMatchObject({ status: 'pending', attempts: 0, nextAttemptAt: new Date('2027-01-11T01:00:00.000Z') });
    // At 09:00 it goes.
    clock.current = Date.parse('2027-01-11T01:00:00Z');
    await app.dispatcher.drain();
    expect(channel.delivered.map((d) => d.message.text)).toContain('Members get 20% off all week!');
  });
});
