// What the campaign tests share: customers through the API channel, admin calls, the job.
import { expect } from 'vitest';
import type { App } from '../../../src/app.js';
import { campaignsFeature } from '../../../src/features/campaigns/index.js';
import { admin, featureApi, runJob } from '../../helpers/app.js';

export const HOUR = 3_600_000;

export interface Message {
  text: string;
  buttons?: { label: string; payload: string }[];
}

export function campaignClient(app: () => App) {
  const call = (method: 'GET' | 'POST', url: string, payload?: object) =>
    app().server.inject({ method, url, headers: admin, ...(payload === undefined ? {} : { payload }) });
  const say = async (user: string, text: string, name?: string) => {
    const res = await app().server.inject({
      method: 'POST',
      url: '/api/v1/messages',
      payload: { user: { id: user, ...(name ? { name } : {}) }, text },
    });
    expect(res.statusCode, res.body).toBe(200);
  };
  const idOf = async (user: string): Promise<string> => {
    const res = await call('GET', `/api/v1/customers?channel=api&externalId=${user}`);
    return res.json().customers[0].id;
  };
  return {
    call,
    say,
    idOf,
    /** A customer who wrote `text` (Chinese unless told), tagged so a campaign can select them alone. */
    async customer(user: string, tag: string, text = '你好', name?: string): Promise<string> {
      await say(user, text, name);
      const id = await idOf(user);
      expect((await call('POST', `/api/v1/customers/${id}/tags`, { tags: [tag] })).statusCode).toBe(200);
      return id;
    },
    /** What the customer received, oldest first. */
    async inbox(user: string): Promise<Message[]> {
      const res = await app().server.inject({ url: `/api/v1/messages?userId=${user}&limit=500` });
      return res.json().messages;
    },
    async create(body: Record<string, unknown>): Promise<{ id: string; status: string }> {
      const res = await call('POST', '/api/v1/campaigns', body);
      expect(res.statusCode, res.body).toBe(201);
      return res.json();
    },
    async get(id: string) {
      const res = await call('GET', `/api/v1/campaigns/${id}`);
      expect(res.statusCode, res.body).toBe(200);
      return res.json();
    },
    /** The job, after the background run a campaign due at once starts (so what it did is visible). */
    async job(on: App = app()): Promise<number> {
      await featureApi(on, campaignsFeature).campaigns.idle();
      return runJob(on, 'campaigns');
    },
  };
}

/** A campaign's audience: the customers with this tag. */
export const tagged = (tag: string) => ({ field: 'tags', op: 'eq', value: tag });
