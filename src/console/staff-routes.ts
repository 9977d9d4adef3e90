// Staff accounts through the admin API (the admin token): the first owner can be made here as
// well as with `npm run staff -- add`. The one-time password is in the 201 response only.
import type { FastifyInstance } from 'fastify';
import { errorResponses, errorSchema } from '../http/schemas.js';
import { CONSOLE_LOCALES, ROLES, type Role, type StaffAccounts } from './staff.js';

const security = [{ adminToken: [] }];
const staffSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    email: { type: 'string' },
    name: { type: 'string' },
    role: { type: 'string', enum: ROLES },
    locale: { type: 'string', enum: CONSOLE_LOCALES },
    disabled: { type: 'boolean' },
    lastLoginAt: { type: ['string', 'null'] },
    createdAt: { type: 'string' },
  },
} as const;

export async function staffAccountRoutes(app: FastifyInstance, o: { staff: StaffAccounts }): Promise<void> {
  app.post(
    '/api/v1/staff',
    {
      schema: {
        tags: ['Staff'],
        summary: 'Add a staff member who signs in to the console (/console); the answer holds a one-time password',
        description:
          'Roles: `owner` (everything: staff, reports, campaigns, settings) and `agent` (inbox, customers, knowledge, moderation log). The password is shown in this response only; the staff member changes it at /console/account. 409 when the email has an account.',
        security,
        body: {
          type: 'object',
          required: ['email', 'name', 'role'],
          additionalProperties: false,
          properties: {
            email: { type: 'string', minLength: 3, maxLength: 200, pattern: '^[^\\s@]+@[^\\s@]+$' },
            name: { type: 'string', minLength: 1, maxLength: 100 },
            role: { type: 'string', enum: ROLES },
            locale: { type: 'string', enum: CONSOLE_LOCALES, default: 'zh-CN' },
          },
        },
        response: {
          201: {
            type: 'object',
            properties: { staff: staffSchema, password: { type: 'string', description: 'One-time password' } },
          },
          ...errorResponses,
          409: errorSchema,
        },
      },
    },
    async (request, reply) => {
      const body = request.body as { email: string; name: string; role: Role; locale: 'zh-CN' | 'en' };
      const added = await o.staff.add(body);
      await o.staff.audit({
        staff: { id: null, name: 'admin token' },
        action: 'staff.add',
        target: `staff:${added.staff.id}`,
        detail: { email: added.staff.email, role: added.staff.role },
        ip: request.ip,
      });
      reply.code(201);
      return added;
    },
  );

  app.get(
    '/api/v1/staff',
    {
      schema: {
        tags: ['Staff'],
        summary: 'Every staff account (no passwords)',
        security,
        response: {
          200: { type: 'object', properties: { staff: { type: 'array', items: staffSchema } } },
          ...errorResponses,
        },
      },
    },
    async () => {
      const rows = await o.staff.list();
      return {
        staff: rows.map((r) => ({
          ...r,
          createdAt: r.createdAt.toISOString(),
          lastLoginAt: r.lastLoginAt?.toISOString() ?? null,
        })),
      };
    },
  );
}
