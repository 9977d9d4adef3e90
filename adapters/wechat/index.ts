export {
  WechatAdapter,
  type WechatAdapterConfig,
  type WechatSettings,
  type WechatStatus,
  type WechatyPuppet,
} from './adapter.js';
export { OptionMemory, optionNumber, renderOptions } from './options.js';
export { msUntilNextDay, SendPacer } from './pacing.js';
export { type MessageFacts, parseMessage, WECHAT_CHANNEL } from './parse.js';
export { WECHAT_QR_PATH, type WechatQrRoutesOptions, wechatQrRoutes } from './routes.js';

import { WechatAdapter, type WechatAdapterConfig } from './adapter.js';

export function createWechatAdapter(config: WechatAdapterConfig): WechatAdapter {
  return new WechatAdapter(config);
}
