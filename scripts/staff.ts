// npm run staff -- add --email E --name N --role owner|agent [--locale zh-CN|en]
//   Adds a console account and prints its one-time password (DATABASE_URL as for npm start).
// npm run staff -- list
//   Lists the accounts.
// npm run staff -- reset --email E
//   A new one-time password for a member of staff; their sessions end.
import 'dotenv/config';
import { parseArgs } from 'node:util';
import { parseEnv } from '../src/config.js';
import { CONSOLE_LOCALES, type ConsoleLocale, ROLES, type Role, StaffAccounts } from '../src/console/staff.js';
import { AppError, ConfigError } from '../src/errors.js';
import { openStore } from '../src/store/index.js';
import { systemClock } from '../src/util/clock.js';

const USAGE = `usage:
  npm run staff -- add --email E --name N --role owner|agent [--locale zh-CN|en]
  npm run staff -- list
  npm run staff -- reset --email E`;

function fail(message: string): never {
  console.error(`rapport staff: ${message}\n${USAGE}`);
  process.exit(64);
}

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    email: { type: 'string' },
    name: { type: 'string' },
    role: { type: 'string' },
    locale: { type: 'string' },
  },
});
const command = positionals[0];
if (!command || !['add', 'list', 'reset'].includes(command)) fail('say add, list or reset');

try {
  const { DATABASE_URL } = parseEnv(process.env);
  // Not migrated here: the bot migrates at start, and usually runs while staff are added (SQLite
  // would refuse a migration beside it). A database it never started on gets a clear answer below.
  const store = await openStore(DATABASE_URL, { migrate: false });
  const staff = new StaffAccounts(store.db, systemClock);
  try {
    if (command === 'add') {
      const { email, name, role } = values;
      const locale = (values.locale ?? 'zh-CN') as ConsoleLocale;
      if (!email || !/^[^\s@]+@[^\s@]+$/.test(email)) fail('--email needs an email address');
      if (!name?.trim()) fail('--name needs a name');
      if (!ROLES.includes(role as Role)) fail('--role must be owner or agent');
      if (!CONSOLE_LOCALES.includes(locale)) fail('--locale must be zh-CN or en');
      const added = await staff.add({ email, name, role: role as Role, locale });
      await staff.audit({
        staff: { id: null, name: 'npm run staff' },
        action: 'staff.add',
        target: `staff:${added.staff.id}`,
      });
      console.log(`added ${added.staff.role} ${added.staff.name} <${added.staff.email}>`);
      console.log(`one-time password: ${added.password}`);
      console.log('sign in at /console/login and change it at /console/account');
    } else if (command === 'list') {
      for (const m of await staff.list()) {
        console.log(`${m.role.padEnd(6)} ${m.email}  ${m.name}${m.disabled ? '  (disabled)' : ''}`);
      }
    } else {
      const email = values.email?.trim().toLowerCase();
      if (!email) fail('--email is needed');
      const row = await store.db.staff.findUnique({ where: { email } });
      if (!row) fail(`no staff account ${email}`);
      const password = await staff.resetPassword(row.id);
      await staff.audit({
        staff: { id: null, name: 'npm run staff' },
        action: 'staff.reset_password',
        target: `staff:${row.id}`,
      });
      console.log(`one-time password for ${email}: ${password}`);
    }
  } finally {
    await store.close();
  }
} catch (err) {
  if (err instanceof ConfigError || err instanceof AppError) {
    console.error(`rapport staff: ${err.message}`);
    process.exit(1);
  }
  // P2021: a table is missing, so Rapport never started on this database (it migrates at start).
  if ((err as { code?: string }).code === 'P2021') {
    console.error(
      'rapport staff: this database has no staff tables yet: start Rapport once (npm start), then try again',
    );
    process.exit(1);
  }
  throw err;
}
