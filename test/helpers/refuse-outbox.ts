// A real failure at one chosen write: a database trigger makes every Outbox insert whose dedupeKey
// starts with a prefix fail, as a crash between an award and the message announcing it would leave
// the message unwritten. What was written before it in the same transaction must roll back with
// it. The returned function drops the trigger again, for the retry (a new one replaces a trigger
// an earlier failed test left behind).
import type { Store } from '../../src/store/index.js';

const quoted = (text: string) => `'${text.replaceAll("'", "''")}'`;

export async function refuseOutbox(store: Store, prefix: string): Promise<() => Promise<void>> {
  const { db, provider } = store;
  const matches = `substr(NEW."dedupeKey", 1, ${prefix.length}) = ${quoted(prefix)}`;
  if (provider === 'sqlite') {
    await db.$executeRawUnsafe('DROP TRIGGER IF EXISTS "refuse_outbox"');
    await db.$executeRawUnsafe(
      `CREATE TRIGGER "refuse_outbox" BEFORE INSERT ON "Outbox" WHEN ${matches}
       BEGIN SELECT RAISE(ABORT, 'refused by the test'); END`,
    );
    return async () => {
      await db.$executeRawUnsafe('DROP TRIGGER "refuse_outbox"');
    };
  }
  await db.$executeRawUnsafe(
    `CREATE OR REPLACE FUNCTION "refuse_outbox"() RETURNS trigger LANGUAGE plpgsql
     AS $$ BEGIN RAISE EXCEPTION 'refused by the test'; END $$`,
  );
  await db.$executeRawUnsafe('DROP TRIGGER IF EXISTS "refuse_outbox" ON "Outbox"');
  await db.$executeRawUnsafe(
    `CREATE TRIGGER "refuse_outbox" BEFORE INSERT ON "Outbox" FOR EACH ROW WHEN (${matches})
     EXECUTE FUNCTION "refuse_outbox"()`,
  );
  return async () => {
    await db.$executeRawUnsafe('DROP TRIGGER "refuse_outbox" ON "Outbox"');
  };
}
