// New knowledge entries written from the admin API (the console's "new entry" on an unanswered
// question): appended to one file of the knowledge folder, console.yaml, which the business can
// edit like any other, then the base is reloaded. Entries in the other files are never rewritten.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { parse, stringify } from 'yaml';
import { AppError } from '../../errors.js';
import { errorResponses, errorSchema } from '../../http/schemas.js';
import type { KnowledgeBase } from './knowledge-base.js';

/** The file entries made through the API go to, in KNOWLEDGE_DIR. */
export const CONSOLE_FILE = 'console.yaml';
const security = [{ adminToken: [] }];
const line = { type: 'string', minLength: 1, maxLength: 500 } as const;

interface NewEntry {
  id?: string;
  questions: string[];
  answer: string;
  locale?: 'zh-CN' | 'en';
  tags?: string[];
}

export async function knowledgeEntryRoutes(
  app: FastifyInstance,
  o: { knowledge: KnowledgeBase; dir: string; now: () => number },
): Promise<void> {
  // One write at a time in this process: two entries posted together both land in the file.
  let writing: Promise<unknown> = Promise.resolve();

  app.post(
    '/api/v1/knowledge/entries',
    {
      schema: {
        tags: ['Knowledge'],
        summary: `Add an entry to the knowledge base (written to ${CONSOLE_FILE} in KNOWLEDGE_DIR, then reloaded)`,
        description: `The entry answers at once. 409 when the id is taken. The file is plain YAML like the others: edit or delete entries there. With several instances, KNOWLEDGE_DIR must be shared (or the file copied) for all of them to answer with it.`,
        security,
        body: {
          type: 'object',
          required: ['questions', 'answer'],
          additionalProperties: false,
          properties: {
            id: { type: 'string', pattern: '^[A-Za-z0-9][\\w.-]{0,99}$' },
            questions: { type: 'array', minItems: 1, maxItems: 30, items: line },
            answer: { type: 'string', minLength: 1, maxLength: 4000 },
            locale: { type: 'string', enum: ['zh-CN', 'en'] },
            tags: { type: 'array', maxItems: 30, items: { type: 'string', minLength: 1, maxLength: 50 } },
          },
        },
        response: {
          201: {
            type: 'object',
            properties: { id: { type: 'string' }, file: { type: 'string' }, entries: { type: 'integer' } },
          },
          ...errorResponses,
          409: errorSchema,
        },
      },
    },
    async (request, reply) => {
      const body = request.body as NewEntry;
      const questions = body.questions.map((q) => q.trim()).filter(Boolean);
      if (!questions.length || !body.answer.trim())
        throw new AppError('HTTP_BAD_REQUEST', 'questions and answer must not be blank');
      const id = body.id ?? `console-${o.now().toString(36)}`;
      const write = writing.then(async () => {
        if (o.knowledge.has(id)) throw new AppError('HTTP_CONFLICT', `an entry ${id} exists`);
        const file = join(o.dir, CONSOLE_FILE);
        const existing = existsSync(file) ? (parse(readFileSync(file, 'utf8')) ?? []) : [];
        if (!Array.isArray(existing))
          throw new AppError('HTTP_CONFLICT', `${CONSOLE_FILE} is not a list of entries: fix it first`);
        const entry = {
          id,
          questions,
          answer: body.answer.trim(),
          ...(body.locale ? { locale: body.locale } : {}),
          ...(body.tags?.length ? { tags: body.tags } : {}),
        };
        // Written beside and renamed over: a reader never sees half a file.
        const temp = `${file}.${process.pid}.tmp`;
        writeFileSync(temp, stringify([...existing, entry]), 'utf8');
        renameSync(temp, file);
        return o.knowledge.load();
      });
      writing = write.catch(() => {});
      const report = await write;
      reply.code(201);
      return { id, file: CONSOLE_FILE, entries: report.entries };
    },
  );
}
