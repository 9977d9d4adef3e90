// The API channel's request body → the engine's InboundMessage. Pure.
import type { InboundMessage } from '../../src/engine/types.js';

export const API_CHANNEL = 'api';
export const MAX_TEXT_LENGTH = 4000;

export interface ApiMessageBody {
  user: { id: string; name?: string; locale?: string };
  text?: string;
  payload?: string;
  messageId?: string;
}

export function toInbound(body: ApiMessageBody): InboundMessage {
  const text = body.text?.trim();
  return {
    channel: API_CHANNEL,
    chatId: body.user.id,
    chatType: 'private',
    sender: {
      id: body.user.id,
      ...(body.user.name?.trim() ? { name: body.user.name.trim() } : {}),
      ...(body.user.locale ? { locale: body.user.locale } : {}),
    },
    ...(text ? { text } : {}),
    ...(body.payload !== undefined ? { payload: body.payload } : {}),
    mentioned: true,
    ...(body.messageId ? { platformMessageId: body.messageId } : {}),
    raw: body,
  };
}
