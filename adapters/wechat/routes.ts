// GET /api/v1/channels/wechat/qr (behind the admin token): the login state of the WeChat account
// and, while it waits for a scan, the QR code to scan with the account's phone.
import type { FastifyInstance } from 'fastify';
import { AppError } from '../../src/errors.js';
import { errorSchema } from '../../src/http/schemas.js';
import type { WechatStatus } from './adapter.js';

export const WECHAT_QR_PATH = '/api/v1/channels/wechat/qr';

export interface WechatQrRoutesOptions {
  /** The WeChat adapter; unset when WeChat is off (WECHATY_PUPPET unset). */
  adapter?: { status(): WechatStatus } | undefined;
}

const schema = {
  tags: ['WeChat'],
  summary: 'Login state of the WeChat account, and the QR code to scan while it waits for a login',
  security: [{ adminToken: [] }],
  response: {
    200: {
      type: 'object',
      required: ['status'],
      properties: {
        status: { type: 'string', enum: ['scanning', 'logged_in', 'logged_out'] },
        qrcode: { type: 'string', description: 'The value to encode in the QR code' },
        url: { type: 'string', description: 'An image of the QR code' },
        user: { type: 'object', properties: { id: { type: 'string' }, name: { type: 'string' } } },
      },
    },
    401: errorSchema,
    404: errorSchema,
  },
} as const;

export async function wechatQrRoutes(app: FastifyInstance, options: WechatQrRoutesOptions): Promise<void> {
  app.get(WECHAT_QR_PATH, { schema }, async () => {
    if (!options.adapter) {
      throw new AppError(
        'HTTP_NOT_FOUND',
        'WeChat is off: set WECHATY_PUPPET (for example wechaty-puppet-service with WECHATY_PUPPET_SERVICE_TOKEN) and restart',
      );
    }
    return options.adapter.status();
  });
}
