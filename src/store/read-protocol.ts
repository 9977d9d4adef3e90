// Messages between reads.ts (main thread) and read-worker.ts.

export interface ReadWorkerStart {
  /** The SQLite file. */
  path: string;
}

export type ReadRequest =
  | { id: number; op: 'model'; model: string; method: string; args: unknown }
  /** A raw query: Prisma.Sql's flattened strings and values. */
  | { id: number; op: 'raw'; strings: string[]; values: unknown[] };

export type ReadReply =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: { message: string; code?: string; name?: string } };
