// The segment rule language: a JSON tree of {"all":[…]}, {"any":[…]}, {"not":…} and conditions
// {"field","op","value"} (plus "withinDays" on the purchase fields). Parsed here into a typed tree,
// every mistake a 400 naming its place in the tree ("rules.all[1].field: unknown field …"), so
// ./sql.ts only ever compiles rules that make sense. Stored segments are parsed again before each
// use: the loyalty tiers they name may have changed since.
import { AppError } from '../../errors.js';
import { parseDate, parseDateTime, startOfDay } from '../../http/formats.js';
import { STAGES } from '../lifecycle/index.js';

export const OPS = ['eq', 'ne', 'in', 'nin', 'gt', 'gte', 'lt', 'lte', 'between', 'exists'] as const;
export type Op = (typeof OPS)[number];

/** What values a field takes, which decides its ops and how ./sql.ts compiles it. */
type Kind = 'stage' | 'tier' | 'integer' | 'number' | 'date' | 'text' | 'month' | 'boolean' | 'set';

interface FieldSpec {
  kind: Kind;
  /** The column may be empty: `exists` applies, and `ne`/`nin` match the customers without a value. */
  nullable?: boolean;
  /** Takes "withinDays": counted from the Purchase rows of the last N days instead of the totals. */
  withinDays?: boolean;
}

export const FIELDS = {
  stage: { kind: 'stage' },
  tier: { kind: 'tier' },
  points: { kind: 'integer' },
  channel: { kind: 'set' },
  locale: { kind: 'text', nullable: true },
  lastSeenAt: { kind: 'date' },
  firstSeenAt: { kind: 'date' },
  lastPurchaseAt: { kind: 'date', nullable: true },
  'purchases.count': { kind: 'integer', withinDays: true },
  'purchases.amount': { kind: 'number', withinDays: true },
  birthdayMonth: { kind: 'month', nullable: true },
  'csat.last': { kind: 'integer', nullable: true },
  'nps.last': { kind: 'integer', nullable: true },
  openTicket: { kind: 'boolean' },
  optedOut: { kind: 'boolean' },
  tags: { kind: 'set' },
} as const satisfies Record<string, FieldSpec>;
export type Field = keyof typeof FIELDS;

const ORDERED: readonly Op[] = ['eq', 'ne', 'in', 'nin', 'gt', 'gte', 'lt', 'lte', 'between'];
const OPS_OF: Record<Kind, readonly Op[]> = {
  stage: ['eq', 'ne', 'in', 'nin'],
  text: ['eq', 'ne', 'in', 'nin'],
  set: ['eq', 'ne', 'in', 'nin', 'exists'],
  boolean: ['eq', 'ne'],
  // Tiers are ordered by their minPoints: "gte silver" is silver and above.
  tier: ORDERED,
  integer: ORDERED,
  number: ORDERED,
  month: ORDERED,
  // An instant is never equal to anything a person types: ranges only.
  date: ['gt', 'gte', 'lt', 'lte', 'between'],
};

export function opsOf(field: Field): readonly Op[] {
  const spec: FieldSpec = FIELDS[field];
  return spec.nullable ? [...OPS_OF[spec.kind], 'exists'] : OPS_OF[spec.kind];
}

export const LIMITS = { depth: 10, rules: 200, list: 100, withinDays: 3650, daysAgo: 36_500 } as const;

/** A date value: an instant, or so many days before the clock's now when the rules are used. */
export type DateValue = { at: Date } | { daysAgo: number };
export type Scalar = string | number | boolean | DateValue;

interface Base {
  field: Field;
  /** purchases.count / purchases.amount over the last N days. */
  withinDays?: number;
}
export type Condition = Base &
  (
    | { op: 'eq' | 'ne' | 'gt' | 'gte' | 'lt' | 'lte'; value: Scalar }
    | { op: 'in' | 'nin'; value: Scalar[] }
    | { op: 'between'; value: [Scalar, Scalar] }
    | { op: 'exists'; value: boolean }
  );
export type Rule = { all: Rule[] } | { any: Rule[] } | { not: Rule } | Condition;

export interface RuleContext {
  /** The loyalty tiers' ids, lowest first; undefined while loyalty is switched off. */
  tiers: readonly string[] | undefined;
  /** BUSINESS_TIMEZONE: a date without a time starts at midnight there. */
  timezone: string;
}

/** The rule tree `input` as typed rules; an AppError HTTP_BAD_REQUEST naming the place of any mistake. */
export function parseRules(input: unknown, context: RuleContext, path = 'rules'): Rule {
  let rules = 0;
  const count = (at: string) => {
    if (++rules > LIMITS.rules) bad(at, `more than ${LIMITS.rules} rules and conditions in one tree`);
  };
  const rule = (value: unknown, at: string, depth: number): Rule => {
    if (depth > LIMITS.depth) bad(at, `rules nest deeper than ${LIMITS.depth} levels`);
    count(at);
    if (!isObject(value))
      bad(at, 'a rule is an object: {"all":[…]}, {"any":[…]}, {"not":{…}} or {"field","op","value"}');
    for (const group of ['all', 'any'] as const) {
      if (!(group in value)) continue;
      onlyKeys(value, [group], at);
      const list = value[group];
      if (!Array.isArray(list)) bad(`${at}.${group}`, 'a list of rules');
      const rules = list.map((r, i) => rule(r, `${at}.${group}[${i}]`, depth + 1));
      return group === 'all' ? { all: rules } : { any: rules };
    }
    if ('not' in value) {
      onlyKeys(value, ['not'], at);
      return { not: rule(value.not, `${at}.not`, depth + 1) };
    }
    if ('field' in value || 'op' in value) return condition(value, at, context);
    return bad(at, 'a rule has "all", "any", "not" or "field" and "op"');
  };
  return rule(input, path, 1);
}

function condition(input: Record<string, unknown>, at: string, context: RuleContext): Condition {
  onlyKeys(input, ['field', 'op', 'value', 'withinDays'], at);
  const { field, op } = input;
  if (field === undefined) bad(`${at}.field`, 'missing');
  if (op === undefined) bad(`${at}.op`, 'missing');
  if (typeof field !== 'string' || !Object.hasOwn(FIELDS, field)) {
    bad(`${at}.field`, `unknown field ${JSON.stringify(field)} (fields: ${Object.keys(FIELDS).join(', ')})`);
  }
  if (typeof op !== 'string' || !(OPS as readonly string[]).includes(op)) {
    bad(`${at}.op`, `unknown op ${JSON.stringify(op)} (ops: ${OPS.join(', ')})`);
  }
  const f = field as Field;
  const ops = opsOf(f);
  if (!ops.includes(op as Op)) bad(`${at}.op`, `${f} does not take "${op}" (it takes ${ops.join(', ')})`);
  const base: Base = { field: f };
  if (input.withinDays !== undefined) {
    const spec: FieldSpec = FIELDS[f];
    if (!spec.withinDays) bad(`${at}.withinDays`, 'only purchases.count and purchases.amount take withinDays');
    base.withinDays = wholeNumber(input.withinDays, `${at}.withinDays`, 1, LIMITS.withinDays);
  }
  if (!('value' in input)) bad(`${at}.value`, 'missing');
  const value = input.value;
  const where = `${at}.value`;
  switch (op as Op) {
    case 'exists':
      if (typeof value !== 'boolean') bad(where, 'exists takes true or false');
      return { ...base, op: 'exists', value };
    case 'in':
    case 'nin': {
      if (!Array.isArray(value) || value.length === 0 || value.length > LIMITS.list) {
        bad(where, `${op} takes a list of 1 to ${LIMITS.list} values`);
      }
      const values = value.map((v, i) => scalar(f, v, `${where}[${i}]`, context));
      return { ...base, op: op as 'in' | 'nin', value: values };
    }
    case 'between': {
      if (!Array.isArray(value) || value.length !== 2) bad(where, 'between takes [low, high]');
      const pair: [Scalar, Scalar] = [
        scalar(f, value[0], `${where}[0]`, context),
        scalar(f, value[1], `${where}[1]`, context),
      ];
      const rank = (v: Scalar) => (FIELDS[f].kind === 'tier' ? context.tiers?.indexOf(v as string) : v);
      const [low, high] = pair.map(rank);
      if (typeof low === 'number' && typeof high === 'number' && low > high)
        bad(where, 'between takes [low, high], low first');
      return { ...base, op: 'between', value: pair };
    }
    default:
      return { ...base, op: op as 'eq', value: scalar(f, value, where, context) };
  }
}

const INT_MAX = 2_147_483_647;

/** One value of a field, checked against what the field holds. */
function scalar(field: Field, value: unknown, at: string, context: RuleContext): Scalar {
  switch (FIELDS[field].kind) {
    case 'stage':
      if (typeof value !== 'string' || !(STAGES as readonly string[]).includes(value)) {
        bad(at, `stage is one of ${STAGES.join(', ')}`);
      }
      return value;
    case 'tier':
      if (!context.tiers) bad(at, 'tier needs the loyalty feature, which is switched off');
      if (typeof value !== 'string' || !context.tiers.includes(value)) {
        bad(at, `${JSON.stringify(value)} is not a tier (tiers: ${context.tiers.join(', ')})`);
      }
      return value;
    case 'integer':
      // The columns are 32-bit on PostgreSQL: a larger number would fail the query, not match nothing.
      return wholeNumber(value, at, -INT_MAX, INT_MAX, `${field} takes a whole number`);
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value) || Math.abs(value) > 1e15)
        bad(at, `${field} takes a number`);
      return value;
    case 'month':
      return wholeNumber(value, at, 1, 12, 'birthdayMonth takes a month, 1 to 12');
    case 'text':
    case 'set': {
      const text = typeof value === 'string' ? value.trim() : '';
      if (!text || text.length > 50) bad(at, `${field} takes a text of 1 to 50 characters`);
      return text;
    }
    case 'boolean':
      if (typeof value !== 'boolean') bad(at, `${field} takes true or false`);
      return value;
    case 'date':
      return dateValue(value, at, context.timezone);
  }
}

function dateValue(value: unknown, at: string, timezone: string): DateValue {
  if (isObject(value) && 'daysAgo' in value) {
    onlyKeys(value, ['daysAgo'], at);
    return { daysAgo: wholeNumber(value.daysAgo, `${at}.daysAgo`, 0, LIMITS.daysAgo) };
  }
  const day = typeof value === 'string' ? parseDate(value) : undefined;
  const instant = day ? startOfDay(day, timezone) : typeof value === 'string' ? parseDateTime(value) : undefined;
  if (!instant) {
    bad(
      at,
      'a date is an ISO 8601 date-time with a time zone (2026-07-01T09:30:00+08:00), a date (2026-07-01, from midnight in BUSINESS_TIMEZONE) or {"daysAgo": N}',
    );
  }
  return { at: instant };
}

function wholeNumber(value: unknown, at: string, min: number, max: number, message?: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    bad(at, message ?? `a whole number from ${min} to ${max}`);
  }
  return value;
}

function onlyKeys(value: Record<string, unknown>, keys: readonly string[], at: string): void {
  const stray = Object.keys(value).find((k) => !keys.includes(k));
  if (stray) bad(at, `unexpected key ${JSON.stringify(stray)} beside ${keys.map((k) => `"${k}"`).join(', ')}`);
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function bad(at: string, message: string): never {
  throw new AppError('HTTP_BAD_REQUEST', `${at}: ${message}`);
}
