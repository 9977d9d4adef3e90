// Staff accounts and their console sessions, in the database so every instance shares them.
// A session cookie holds a random token; the database keeps only its hash, so a leaked backup
// cannot sign anyone in. Wrong passwords lock the account for a while after MAX_FAILURES.
import { createHash, randomBytes } from 'node:crypto';
import { AppError } from '../errors.js';
import { type Db, isUniqueViolation, type Prisma } from '../store/index.js';
import type { Clock } from '../util/clock.js';
import { hashPassword, oneTimePassword, verifyPassword } from './passwords.js';

export const ROLES = ['owner', 'agent'] as const;
export type Role = (typeof ROLES)[number];
export const CONSOLE_LOCALES = ['zh-CN', 'en'] as const;
export type ConsoleLocale = (typeof CONSOLE_LOCALES)[number];

export interface StaffMember {
  id: string;
  email: string;
  name: string;
  role: Role;
  locale: ConsoleLocale;
}

export interface Session {
  staff: StaffMember;
  csrf: string;
  /** The hash the session is stored under. */
  id: string;
}

/** A session lasts this long after the last request. */
export const SESSION_IDLE_MS = 12 * 60 * 60_000;
const MAX_FAILURES = 5;
const LOCK_MS = 15 * 60_000;
/** lastSeenAt is written at most this often per session (not on every page). */
const TOUCH_MS = 60_000;

const hashToken = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex');

const member = (row: { id: string; email: string; name: string; role: string; locale: string }): StaffMember => ({
  id: row.id,
  email: row.email,
  name: row.name,
  role: row.role === 'owner' ? 'owner' : 'agent',
  locale: row.locale === 'en' ? 'en' : 'zh-CN',
});

export interface AuditEntry {
  staff: { id: string | null; name: string };
  action: string;
  target?: string;
  detail?: Prisma.InputJsonValue;
  ip?: string;
}

export class StaffAccounts {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  private now(): Date {
    return new Date(this.clock.now());
  }

  /** A new account with a one-time password, returned once and never stored in clear. */
  async add(input: { email: string; name: string; role: Role; locale?: ConsoleLocale }) {
    const password = oneTimePassword();
    const email = input.email.trim().toLowerCase();
    try {
      const row = await this.db.staff.create({
        data: {
          email,
          name: input.name.trim(),
          role: input.role,
          locale: input.locale ?? 'zh-CN',
          passwordHash: await hashPassword(password),
        },
      });
      return { staff: member(row), password };
    } catch (err) {
      if (isUniqueViolation(err)) throw new AppError('HTTP_CONFLICT', `a staff account with email ${email} exists`);
      throw err;
    }
  }

  async list(): Promise<(StaffMember & { disabled: boolean; lastLoginAt: Date | null; createdAt: Date })[]> {
    const rows = await this.db.staff.findMany({ orderBy: { createdAt: 'asc' } });
    return rows.map((r) => ({
      ...member(r),
      disabled: r.disabled,
      lastLoginAt: r.lastLoginAt,
      createdAt: r.createdAt,
    }));
  }

  async setPassword(staffId: string, password: string): Promise<void> {
    await this.db.staff.update({ where: { id: staffId }, data: { passwordHash: await hashPassword(password) } });
  }

  /** A new one-time password for someone who forgot theirs; their sessions end. */
  async resetPassword(staffId: string): Promise<string> {
    const password = oneTimePassword();
    await this.db.$transaction([
      this.db.staff.update({
        where: { id: staffId },
        data: { passwordHash: await hashPassword(password), failedLogins: 0, lockedUntil: null },
      }),
      this.db.staffSession.deleteMany({ where: { staffId } }),
    ]);
    return password;
  }

  async update(staffId: string, data: { role?: Role; disabled?: boolean; name?: string }): Promise<void> {
    await this.db.$transaction([
      this.db.staff.update({ where: { id: staffId }, data }),
      ...(data.disabled ? [this.db.staffSession.deleteMany({ where: { staffId } })] : []),
    ]);
  }

  async setLocale(staffId: string, locale: ConsoleLocale): Promise<void> {
    await this.db.staff.update({ where: { id: staffId }, data: { locale } });
  }

  /**
   * Checks a password and opens a session: the cookie's token, or why not. The same answer for an
   * unknown email and a wrong password, so the form does not tell which addresses exist.
   */
  async signIn(
    email: string,
    password: string,
  ): Promise<{ ok: true; token: string; session: Session } | { ok: false; reason: 'wrong' | 'locked' }> {
    const now = this.now();
    const row = await this.db.staff.findUnique({ where: { email: email.trim().toLowerCase() } });
    if (!row || row.disabled) {
      // Spend the same time as a real check.
      await verifyPassword(password, DUMMY_HASH);
      return { ok: false, reason: 'wrong' };
    }
    if (row.lockedUntil && row.lockedUntil > now) return { ok: false, reason: 'locked' };
    if (!(await verifyPassword(password, row.passwordHash))) {
      const failures = row.failedLogins + 1;
      await this.db.staff.update({
        where: { id: row.id },
        data:
          failures >= MAX_FAILURES
            ? { failedLogins: 0, lockedUntil: new Date(now.getTime() + LOCK_MS) }
            : { failedLogins: failures },
      });
      return { ok: false, reason: failures >= MAX_FAILURES ? 'locked' : 'wrong' };
    }
    const token = randomBytes(32).toString('base64url');
    const csrf = randomBytes(24).toString('base64url');
    const id = hashToken(token);
    await this.db.$transaction([
      this.db.staff.update({
        where: { id: row.id },
        data: { failedLogins: 0, lockedUntil: null, lastLoginAt: now },
      }),
      this.db.staffSession.create({
        data: { id, staffId: row.id, csrf, lastSeenAt: now, expiresAt: new Date(now.getTime() + SESSION_IDLE_MS) },
      }),
      // Sessions that ran out are swept here rather than by a job: sign-ins are rare.
      this.db.staffSession.deleteMany({ where: { expiresAt: { lt: now } } }),
    ]);
    return { ok: true, token, session: { id, csrf, staff: member(row) } };
  }

  /** The session of a cookie's token, or null (unknown, ended, expired, account disabled). */
  async session(token: string): Promise<Session | null> {
    const now = this.now();
    const id = hashToken(token);
    const row = await this.db.staffSession.findUnique({ where: { id }, include: { staff: true } });
    if (!row || row.expiresAt <= now || row.staff.disabled) return null;
    if (now.getTime() - row.lastSeenAt.getTime() > TOUCH_MS) {
      await this.db.staffSession.updateMany({
        where: { id },
        data: { lastSeenAt: now, expiresAt: new Date(now.getTime() + SESSION_IDLE_MS) },
      });
    }
    return { id, csrf: row.csrf, staff: member(row.staff) };
  }

  async signOut(sessionId: string): Promise<void> {
    await this.db.staffSession.deleteMany({ where: { id: sessionId } });
  }

  async audit(entry: AuditEntry): Promise<void> {
    await this.db.staffAudit.create({
      data: {
        staffId: entry.staff.id,
        staffName: entry.staff.name,
        action: entry.action,
        target: entry.target ?? null,
        ...(entry.detail !== undefined ? { detail: entry.detail } : {}),
        ip: entry.ip ?? null,
        at: this.now(),
      },
    });
  }

  async auditLog(limit: number, before?: number) {
    return this.db.staffAudit.findMany({
      where: before ? { id: { lt: before } } : {},
      orderBy: { id: 'desc' },
      take: limit,
    });
  }

  async require(staffId: string): Promise<StaffMember> {
    const row = await this.db.staff.findUnique({ where: { id: staffId } });
    if (!row) throw new AppError('HTTP_NOT_FOUND', `no staff member ${staffId}`);
    return member(row);
  }
}

/** A hash of nothing anyone types, checked for unknown emails so their answer takes as long. */
const DUMMY_HASH = 'scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
