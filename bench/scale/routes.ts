// The admin calls npm run bench:data times, with inputs drawn from the seeded customers (ids,
// external ids, Chinese and English names and parts of them), and the target each is held to.
import type { AdminRoute, Target } from './admin-client.js';
import { customerAt, type Plan, type SeededCustomer } from './generate.js';

export const TARGET_MS: Record<Target, number> = { exact: 10, name: 100, report: 200 };
export const TARGET_LABEL: Record<Target, string> = {
  exact: 'exact lookup < 10 ms',
  name: 'name search < 100 ms',
  report: 'report < 200 ms',
};

const day = (daysAgo: number, now: number) => new Date(now - daysAgo * 86_400_000).toISOString().slice(0, 10);

/** Customers spread over the seeded range, named ones first in their kind. */
function samples(plan: Plan, count: number): SeededCustomer[] {
  return Array.from({ length: count }, (_, k) => customerAt(Math.floor(((k + 0.5) * plan.customers) / count), plan));
}

export function adminRoutes(plan: Plan): AdminRoute[] {
  const some = samples(plan, 80);
  const chinese = some.filter((c) => c.chinese && c.name).slice(0, 20);
  const english = some.filter((c) => !c.chinese && c.name).slice(0, 20);
  const twenty = some.slice(0, 20);
  const busiest = some.reduce((a, b) => (b.interactions > a.interactions ? b : a));
  const q = (text: string) => `/api/v1/customers?q=${encodeURIComponent(text)}`;
  const zh = chinese.map((c) => [...(c.name as string)]);
  const en = english.map((c) => (c.name as string).split(' ') as [string, string]);
  const route = (name: string, target: Target, paths: string[], paged = false): AdminRoute => ({
    name,
    target,
    paths,
    ...(paged ? { paged } : {}),
  });
  const since = [day(30, plan.now), day(365, plan.now)];
  return [
    route(
      'customers ?q=<customer id>',
      'exact',
      twenty.map((c) => q(c.id)),
    ),
    route(
      'customers ?q=<external id>',
      'exact',
      twenty.map((c) => q(c.externalId)),
    ),
    route(
      'customers ?channel=&externalId=',
      'exact',
      twenty.map((c) => `/api/v1/customers?channel=${c.channel}&externalId=${encodeURIComponent(c.externalId)}`),
    ),
    // A surname (王: one Chinese customer in a dozen) or a given-name character.
    route(
      'customers ?q=<1 Chinese char>',
      'name',
      zh.map((n, k) => q((k % 2 ? n.at(-1) : n[0]) as string)),
    ),
    route(
      'customers ?q=<2 Chinese chars>',
      'name',
      zh.map((n) => q(n.slice(0, 2).join(''))),
    ),
    route(
      'customers ?q=<full Chinese name>',
      'name',
      zh.map((n) => q(n.join(''))),
    ),
    route(
      'customers ?q=<English name part>',
      'name',
      en.map(([first, last], k) => q(k % 3 === 0 ? first : k % 3 === 1 ? last : first.slice(1, 4).toLowerCase())),
    ),
    route('customers page 2+ (cursor)', 'report', ['/api/v1/customers?limit=50'], true),
    route('customers ?q=<1 Chinese char> page 2+ (cursor)', 'name', [q(zh[0]?.[0] ?? '王')], true),
    route(
      'customers/:id',
      'exact',
      twenty.map((c) => `/api/v1/customers/${c.id}`),
    ),
    route(
      'customers/:id/interactions',
      'exact',
      twenty.map((c) => `/api/v1/customers/${c.id}/interactions`),
    ),
    route(
      'customers/:id/interactions page 2+ (cursor)',
      'report',
      [`/api/v1/customers/${busiest.id}/interactions?limit=${Math.max(1, Math.floor(busiest.interactions / 25))}`],
      true,
    ),
    route(
      'customers/:id/points',
      'exact',
      twenty.map((c) => `/api/v1/customers/${c.id}/points`),
    ),
    route('tickets', 'report', [
      '/api/v1/tickets',
      '/api/v1/tickets?status=open',
      '/api/v1/tickets?status=resolved',
      '/api/v1/tickets?status=claimed',
    ]),
    route('tickets page 2+ (cursor)', 'report', ['/api/v1/tickets?limit=100'], true),
    route('feedback', 'report', [
      '/api/v1/feedback',
      '/api/v1/feedback?kind=csat',
      '/api/v1/feedback?kind=nps',
      `/api/v1/feedback?since=${since[0]}`,
    ]),
    route('feedback page 2+ (cursor)', 'report', ['/api/v1/feedback?limit=100'], true),
    route('feedback/summary', 'report', [
      '/api/v1/feedback/summary',
      ...since.map((s) => `/api/v1/feedback/summary?since=${s}`),
    ]),
    route('knowledge/unanswered', 'report', [
      '/api/v1/knowledge/unanswered',
      ...since.map((s) => `/api/v1/knowledge/unanswered?since=${s}`),
    ]),
    route('followups', 'report', [
      '/api/v1/followups',
      '/api/v1/followups?status=open',
      '/api/v1/followups?status=handled',
    ]),
    route('followups page 2+ (cursor)', 'report', ['/api/v1/followups'], true),
  ];
}
