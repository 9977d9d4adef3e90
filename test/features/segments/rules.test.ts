// The segment rule language's checks, without a database: every mistake is a 400 naming its place.
import { describe, expect, it } from 'vitest';
import { AppError } from '../../../src/errors.js';
import { parseRules, type RuleContext } from '../../../src/features/segments/rules.js';

const context: RuleContext = { tiers: ['bronze', 'silver', 'gold'], timezone: 'Asia/Shanghai' };

/** The message of the 400 a rule tree gets (fails the test when it is accepted). */
function refusal(rules: unknown, ctx = context): string {
  try {
    parseRules(rules, ctx);
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('HTTP_BAD_REQUEST');
    return (err as AppError).message;
  }
  throw new Error(`accepted: ${JSON.stringify(rules)}`);
}

const cond = (field: string, op: string, value: unknown) => ({ field, op, value });
const nest = (depth: number): unknown => (depth === 0 ? cond('points', 'gt', 1) : { not: nest(depth - 1) });

describe('segment rules', () => {
  it('parses conditions, groups and date values into a typed tree', () => {
    const rules = parseRules(
      {
        all: [
          cond('tier', 'gte', 'silver'),
          { not: cond('lastSeenAt', 'gte', { daysAgo: 30 }) },
          {
            any: [
              cond('tags', 'in', [' vip ', 'regular']),
              { field: 'purchases.count', op: 'gt', value: 2, withinDays: 90 },
            ],
          },
          cond('firstSeenAt', 'between', ['2026-01-01', '2026-06-30T23:59:59+08:00']),
        ],
      },
      context,
    );
    expect(rules).toEqual({
      all: [
        { field: 'tier', op: 'gte', value: 'silver' },
        { not: { field: 'lastSeenAt', op: 'gte', value: { daysAgo: 30 } } },
        {
          any: [
            { field: 'tags', op: 'in', value: ['vip', 'regular'] },
            { field: 'purchases.count', op: 'gt', value: 2, withinDays: 90 },
          ],
        },
        {
          field: 'firstSeenAt',
          op: 'between',
          // A date starts at midnight in the business's time zone.
          value: [{ at: new Date('2025-12-31T16:00:00Z') }, { at: new Date('2026-06-30T15:59:59Z') }],
        },
      ],
    });
  });

  it('names an unknown field or op with its path in the tree', () => {
    expect(refusal({ all: [cond('stage', 'eq', 'new'), cond('colour', 'eq', 'red')] })).toMatch(
      /^rules\.all\[1\]\.field: unknown field "colour" \(fields: stage, tier, /,
    );
    expect(refusal({ any: [{ not: cond('points', 'like', 5) }] })).toMatch(
      /^rules\.any\[0\]\.not\.op: unknown op "like" \(ops: eq, ne, in, nin, gt, gte, lt, lte, between, exists\)$/,
    );
    expect(refusal({ field: 'points', value: 1 })).toBe('rules.op: missing');
    expect(refusal({ field: 'toString', op: 'eq', value: 1 })).toMatch(/^rules\.field: unknown field "toString"/);
  });

  it('refuses ops that make no sense for the field', () => {
    expect(refusal(cond('stage', 'gt', 'new'))).toBe('rules.op: stage does not take "gt" (it takes eq, ne, in, nin)');
    expect(refusal(cond('lastSeenAt', 'eq', '2026-07-01'))).toBe(
      'rules.op: lastSeenAt does not take "eq" (it takes gt, gte, lt, lte, between)',
    );
    expect(refusal(cond('points', 'exists', true))).toMatch(/^rules\.op: points does not take "exists"/);
    expect(refusal(cond('optedOut', 'in', [true]))).toMatch(/^rules\.op: optedOut does not take "in"/);
    expect(refusal({ field: 'points', op: 'gt', value: 1, withinDays: 30 })).toBe(
      'rules.withinDays: only purchases.count and purchases.amount take withinDays',
    );
  });

  it('refuses values of the wrong type, naming the value', () => {
    expect(refusal({ all: [cond('stage', 'eq', 'vip')] })).toBe(
      'rules.all[0].value: stage is one of prospect, new, active, loyal, at_risk, churned',
    );
    expect(refusal(cond('points', 'gt', '5'))).toBe('rules.value: points takes a whole number');
    expect(refusal(cond('points', 'gt', 1.5))).toBe('rules.value: points takes a whole number');
    expect(refusal(cond('points', 'gt', 3e9))).toBe('rules.value: points takes a whole number');
    expect(refusal(cond('birthdayMonth', 'eq', 13))).toBe('rules.value: birthdayMonth takes a month, 1 to 12');
    expect(refusal(cond('tier', 'eq', 'platinum'))).toBe(
      'rules.value: "platinum" is not a tier (tiers: bronze, silver, gold)',
    );
    expect(refusal(cond('tier', 'eq', 'gold'), { ...context, tiers: undefined })).toBe(
      'rules.value: tier needs the loyalty feature, which is switched off',
    );
    expect(refusal(cond('stage', 'in', []))).toBe('rules.value: in takes a list of 1 to 100 values');
    expect(refusal(cond('stage', 'nin', ['new', 'vip']))).toMatch(/^rules\.value\[1\]: stage is one of/);
    expect(refusal(cond('points', 'between', [10]))).toBe('rules.value: between takes [low, high]');
    expect(refusal(cond('points', 'between', [10, 5]))).toBe('rules.value: between takes [low, high], low first');
    expect(refusal(cond('tier', 'between', ['gold', 'bronze']))).toBe(
      'rules.value: between takes [low, high], low first',
    );
    expect(refusal(cond('tags', 'exists', 'yes'))).toBe('rules.value: exists takes true or false');
    expect(refusal(cond('tags', 'eq', '   '))).toBe('rules.value: tags takes a text of 1 to 50 characters');
    expect(refusal(cond('openTicket', 'eq', 'true'))).toBe('rules.value: openTicket takes true or false');
    expect(refusal(cond('lastSeenAt', 'lt', '2026-07-01 09:00'))).toMatch(/^rules\.value: a date is an ISO 8601/);
    expect(refusal(cond('lastSeenAt', 'lt', { daysAgo: -1 }))).toBe(
      'rules.value.daysAgo: a whole number from 0 to 36500',
    );
    expect(refusal(cond('lastSeenAt', 'lt', { daysAgo: 1, hours: 2 }))).toMatch(
      /^rules\.value: unexpected key "hours"/,
    );
    expect(refusal({ field: 'purchases.amount', op: 'gt', value: 1, withinDays: 0 })).toBe(
      'rules.withinDays: a whole number from 1 to 3650',
    );
    expect(refusal({ field: 'points', op: 'gt' })).toBe('rules.value: missing');
  });

  it('refuses malformed trees', () => {
    expect(refusal([cond('points', 'gt', 1)])).toMatch(/^rules: a rule is an object/);
    expect(refusal({ all: cond('points', 'gt', 1) })).toBe('rules.all: a list of rules');
    expect(refusal({ all: [], any: [] })).toMatch(/^rules: unexpected key "any" beside "all"/);
    expect(refusal({ field: 'points', op: 'gt', value: 1, extra: true })).toMatch(/^rules: unexpected key "extra"/);
    expect(refusal({ nothing: 1 })).toBe('rules: a rule has "all", "any", "not" or "field" and "op"');
  });

  it('keeps trees within 10 levels and 200 rules', () => {
    expect(() => parseRules(nest(9), context)).not.toThrow(); // 10 levels: 9 nots and the condition
    expect(refusal(nest(10))).toBe(`rules${'.not'.repeat(10)}: rules nest deeper than 10 levels`);
    const many = { any: Array.from({ length: 199 }, () => cond('points', 'gt', 1)) };
    expect(() => parseRules(many, context)).not.toThrow(); // 199 conditions and their group
    expect(refusal({ any: [...many.any, cond('points', 'gt', 1)] })).toBe(
      'rules.any[199]: more than 200 rules and conditions in one tree',
    );
  });
});
