import { afterAll, beforeAll, expect, it } from 'vitest';
import type { App } from '../../../src/app.js';
import { FakeClock } from '../../fakes/clock.js';
import { admin, testApp } from '../../helpers/app.js';
import { describeOnEachDatabase } from '../../helpers/databases.js';

describeOnEachDatabase('referrals', (database) => {
  const clock = new FakeClock(Date.parse('2026-08-01T02:00:00Z'));
  let app: App;
  beforeAll(async () => {
    app = await testApp(database().url, {
      clock,
      yaml: 'loyalty:\n  rules:\n    welcome: 0\n    referral: { referrer: 100, referee: 50 }\n',
    });
  });
  afterAll(async () => {
    await app?.stop();
  });

  const send = (user: string) => async (text: string) => {
    const res = await app.server.inject({
      method: 'POST',
      url: '/api/v1/messages',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ user: { id: user, locale: 'en' }, text }),
    });
    return (res.json().replies as { text: string }[]).map((r) => r.text);
  };
  const balanceOf = async (user: string) => {
    const list = await app.server.inject({ url: `/api/v1/customers?externalId=${user}`, headers: admin });
    const id = list.json().customers[0].id;
    return (await app.server.inject({ url: `/api/v1/customers/${id}/points`, headers: admin })).json().balance;
  };

  it('rewards both sides once when a new customer enters a code, and tells the referrer', async () => {
    const alice = send('ref-alice');
    await alice('/start');
    const [invite] = await alice('/invite');
    const code = /code: ([A-Z2-9]{6})/.exec(invite ?? '')?.[1] ?? '';
    expect(code).toHaveLength(6);
    expect((await alice('/invite'))[0]).toContain(code); // the same code every time

    const bob = send('ref-bob');
    await bob('/start');
    expect((await bob(`/ref ${code.toLowerCase()}`))[0]).toMatch(/Code accepted.*50 points/);
    expect((await bob(`/ref ${code}`))[0]).toMatch(/used an invite code already/);
    expect(await balanceOf('ref-bob')).toBe(50);
    expect(await balanceOf('ref-alice')).toBe(100);
    const aliceMessages = (await app.server.inject({ url: '/api/v1/messages?userId=ref-alice' })).json().messages;
    expect(aliceMessages.at(-1).text).toMatch(/friend you invited has joined/);

    expect((await alice(`/ref ${code}`))[0]).toMatch(/your own/);
    expect((await bob('/ref NOPE99'))[0]).toMatch(/no such invite code/);
    expect((await bob('/ref'))[0]).toMatch(/Usage/);

    const carol = send('ref-carol');
    await carol('/start');
    clock.advance(15 * 86_400_000);
    expect((await carol(`/ref ${code}`))[0]).toMatch(/for new customers/);
    expect(await balanceOf('ref-alice')).toBe(100);
  });
});
