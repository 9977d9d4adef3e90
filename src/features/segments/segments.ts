// Saved segments (a name and a rule tree) and what they select: counts, a sample, the condition
// the admin customer list pages through. Rules are validated when saved and parsed again when used,
// against the tiers and the clock of that moment ({"daysAgo": 30} moves with the days).
import { AppError } from '../../errors.js';
import { withIdentities } from '../../store/customer-search.js';
import { type Db, isUniqueViolation, type Prisma } from '../../store/index.js';
import type { DatabaseProvider } from '../../store/schema-engine.js';
import type { Clock } from '../../util/clock.js';
import { parseRules, type Rule } from './rules.js';
import { ruleWhere } from './sql.js';

export interface SegmentsOptions {
  db: Db;
  /** Store.reads: counts and samples read off the main thread on SQLite. */
  reads: Db;
  provider: DatabaseProvider;
  clock: Clock;
  timezone: string;
  /** The loyalty tiers (undefined while loyalty is off: the tier field is refused). */
  tiers: readonly { id: string; minPoints: number }[] | undefined;
}

export const SAMPLE_SIZE = 10;

type SegmentRow = { id: string; name: string; rules: unknown; createdAt: Date; updatedAt: Date };

export class Segments {
  private readonly tiers: readonly { id: string; minPoints: number }[];

  constructor(private readonly o: SegmentsOptions) {
    // Lowest first, as Loyalty ranks them (a stable sort: equal minPoints keep their order).
    this.tiers = [...(o.tiers ?? [])].sort((a, b) => a.minPoints - b.minPoints);
  }

  /** The rule tree checked (400 naming the problem). */
  parse(rules: unknown, path = 'rules'): Rule {
    const tiers = this.o.tiers ? this.tiers.map((t) => t.id) : undefined;
    return parseRules(rules, { tiers, timezone: this.o.timezone }, path);
  }

  /** The rule tree as a condition on the customer row `c`, as of now. */
  where(rules: unknown, path = 'rules'): Prisma.Sql {
    return ruleWhere(this.parse(rules, path), {
      now: new Date(this.o.clock.now()),
      tiers: this.tiers,
      provider: this.o.provider,
    });
  }

  async create(name: string, rules: unknown): Promise<{ id: string }> {
    this.parse(rules);
    try {
      const row = await this.o.db.segment.create({
        data: { name, rules: rules as Prisma.InputJsonValue },
        select: { id: true },
      });
      return row;
    } catch (err) {
      if (isUniqueViolation(err))
        throw new AppError('HTTP_CONFLICT', `a segment is named ${JSON.stringify(name)} already`);
      throw err;
    }
  }

  list(): Promise<SegmentRow[]> {
    return this.o.db.segment.findMany({ orderBy: [{ name: 'asc' }] });
  }

  async get(id: string): Promise<SegmentRow> {
    const row = await this.o.db.segment.findUnique({ where: { id } });
    if (!row) throw new AppError('HTTP_NOT_FOUND', `no segment ${id}`);
    return row;
  }

  async delete(id: string): Promise<void> {
    const { count } = await this.o.db.segment.deleteMany({ where: { id } });
    if (!count) throw new AppError('HTTP_NOT_FOUND', `no segment ${id}`);
  }

  /** A saved segment's condition, or undefined when there is no such segment. */
  async whereOf(id: string): Promise<Prisma.Sql | undefined> {
    const row = await this.o.db.segment.findUnique({ where: { id }, select: { rules: true } });
    // Saved rules that no longer hold (a tier since renamed in the settings) are a 400 naming the segment.
    return row ? this.where(row.rules, `segment ${id}: rules`) : undefined;
  }

  /** How many customers the condition selects, counted by the database. */
  async count(where: Prisma.Sql): Promise<number> {
    const [row] = await this.o.reads.$queryRaw<{ n: number | bigint }[]>`
      SELECT COUNT(*) AS n FROM "Customer" c WHERE ${where}`;
    return Number(row?.n ?? 0);
  }

  /**
   * The count and a few of the customers, whichever the database finds first (then shown most
   * recently seen first). Not the first of the admin list's order: for a large segment that is a
   * sort of all its members (308,000 at_risk or churned customers of a million: 0.5–1.2 s on SQLite), where any
   * few of them are found at once. GET /customers?segment= pages them in the list's order.
   */
  async preview(rules: unknown) {
    const where = this.where(rules);
    const [count, sample] = await Promise.all([this.count(where), this.sample(where)]);
    return { count, sample };
  }

  private async sample(where: Prisma.Sql) {
    const ids = await this.o.reads.$queryRaw<{ id: string }[]>`
      SELECT c."id" AS id FROM "Customer" c WHERE ${where} LIMIT ${SAMPLE_SIZE}`;
    return this.o.reads.customer.findMany({
      where: { id: { in: ids.map((r) => r.id) } },
      include: withIdentities,
      orderBy: [{ lastSeenAt: 'desc' }, { id: 'desc' }],
    });
  }
}
