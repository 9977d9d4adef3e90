// Tags staff put on customers ("vip", "wholesale"): segments select by them ({"field":"tags"}).
// Added and removed through the admin API, shown on the profile, kept through a merge.
import type { FastifyInstance } from 'fastify';
import { AppError } from '../../errors.js';
import { errorResponses } from '../../http/schemas.js';
import { insertMany } from '../../store/bulk.js';
import type { Db, Tx } from '../../store/index.js';
import type { DatabaseProvider } from '../../store/schema-engine.js';
import type { Clock } from '../../util/clock.js';

export const TAG_MAX_LENGTH = 50;
const TAGS_PER_CALL = 20;

/** The customer's tags, in alphabetical order. */
export async function tagsOf(db: Db | Tx, customerId: string): Promise<string[]> {
  const rows = await db.customerTag.findMany({ where: { customerId }, select: { tag: true }, orderBy: { tag: 'asc' } });
  return rows.map((r) => r.tag);
}

/**
 * The absorbed customer's tags join the survivor's: those the survivor lacks move over (keeping
 * when they were put on), the ones both had are dropped, as (customerId, tag) is the key.
 */
export async function mergeTags(tx: Tx, survivorId: string, absorbedId: string): Promise<void> {
  const kept = await tagsOf(tx, survivorId);
  await tx.customerTag.updateMany({
    where: { customerId: absorbedId, tag: { notIn: kept } },
    data: { customerId: survivorId },
  });
  await tx.customerTag.deleteMany({ where: { customerId: absorbedId } });
}

export interface TagRoutesOptions {
  db: Db;
  provider: DatabaseProvider;
  clock: Clock;
}

const security = [{ adminToken: [] }];
const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', maxLength: 100 } } } as const;
const tag = { type: 'string', minLength: 1, maxLength: TAG_MAX_LENGTH } as const;
const tagsResponse = {
  type: 'object',
  properties: { tags: { type: 'array', items: { type: 'string' }, description: "All the customer's tags, sorted" } },
} as const;

export async function tagRoutes(app: FastifyInstance, o: TagRoutesOptions): Promise<void> {
  const mustExist = async (id: string) => {
    if (!(await o.db.customer.findUnique({ where: { id }, select: { id: true } }))) {
      throw new AppError('HTTP_NOT_FOUND', `no customer ${id}`);
    }
  };

  app.post(
    '/api/v1/customers/:id/tags',
    {
      schema: {
        tags: ['Segments'],
        summary: 'Tag a customer (tags they have already are kept as they are)',
        description: `Each tag is trimmed and must keep 1 to ${TAG_MAX_LENGTH} characters; up to ${TAGS_PER_CALL} tags a call. Tags match exactly (case too) in segment rules: {"field":"tags","op":"eq","value":"vip"}.`,
        security,
        params: idParams,
        body: {
          type: 'object',
          required: ['tags'],
          additionalProperties: false,
          properties: { tags: { type: 'array', minItems: 1, maxItems: TAGS_PER_CALL, items: tag } },
        },
        response: { 200: tagsResponse, ...errorResponses },
      },
    },
    async (request) => {
      const { id } = request.params as { id: string };
      const given = (request.body as { tags: string[] }).tags.map((t) => t.trim());
      const blank = given.findIndex((t) => !t);
      if (blank >= 0) throw new AppError('HTTP_BAD_REQUEST', `body: tags/${blank} must not be blank`);
      await mustExist(id);
      const createdAt = new Date(o.clock.now());
      const rows = [...new Set(given)].map((t) => ({ customerId: id, tag: t, createdAt }));
      // Portable "insert the missing ones": a repeated call changes nothing.
      await insertMany(o.db, o.provider, 'CustomerTag', rows, { skipConflictsOn: ['customerId', 'tag'] });
      return { tags: await tagsOf(o.db, id) };
    },
  );

  app.delete(
    '/api/v1/customers/:id/tags/:tag',
    {
      schema: {
        tags: ['Segments'],
        summary: 'Take a tag off a customer (a tag they do not have is no error)',
        security,
        params: {
          type: 'object',
          required: ['id', 'tag'],
          properties: { id: idParams.properties.id, tag: { ...tag, description: 'The tag, URL-encoded' } },
        },
        response: { 200: tagsResponse, ...errorResponses },
      },
    },
    async (request) => {
      const { id, tag } = request.params as { id: string; tag: string };
      await mustExist(id);
      await o.db.customerTag.deleteMany({ where: { customerId: id, tag: tag.trim() } });
      return { tags: await tagsOf(o.db, id) };
    },
  );
}
