// One way to moderate through any channel: every action exists, and one the channel cannot do fails
// with ADAPTER_UNSUPPORTED instead of being skipped without a word (adapters simply lack the method).
import { ModerationError } from '../errors.js';
import type { ChannelAdapter } from './channel.js';
import type { ModerationCall } from './types.js';

export type ModerationAction =
  | 'deleteMessage'
  | 'restrictMember'
  | 'unrestrictMember'
  | 'removeMember'
  | 'banMember'
  | 'unbanMember';

export type Moderator = Required<Pick<ChannelAdapter, ModerationAction>>;

export function moderatorOf(adapter: ChannelAdapter): Moderator {
  const unsupported = (action: ModerationAction) => async (): Promise<never> => {
    throw new ModerationError('ADAPTER_UNSUPPORTED', `${adapter.channel}: ${action} is not supported on this channel`);
  };
  return {
    deleteMessage: adapter.deleteMessage?.bind(adapter) ?? unsupported('deleteMessage'),
    restrictMember: adapter.restrictMember?.bind(adapter) ?? unsupported('restrictMember'),
    unrestrictMember: adapter.unrestrictMember?.bind(adapter) ?? unsupported('unrestrictMember'),
    removeMember: adapter.removeMember?.bind(adapter) ?? unsupported('removeMember'),
    banMember: adapter.banMember?.bind(adapter) ?? unsupported('banMember'),
    unbanMember: adapter.unbanMember?.bind(adapter) ?? unsupported('unbanMember'),
  };
}

/** Makes a queued moderation call (src/engine/types.ts ModerationCall) in a chat through an adapter. */
export async function performCall(adapter: ChannelAdapter, chatId: string, call: ModerationCall): Promise<void> {
  const m = moderatorOf(adapter);
  const user = () => {
    if (!call.userId) throw new ModerationError('ADAPTER_INVALID', `${call.op}: no member given`);
    return call.userId;
  };
  switch (call.op) {
    case 'delete': {
      if (!call.messageId) throw new ModerationError('ADAPTER_INVALID', 'delete: no message given');
      return m.deleteMessage(chatId, call.messageId, call.sentAt ? new Date(call.sentAt) : undefined);
    }
    case 'restrict':
      return m.restrictMember(chatId, user(), call.untilMs);
    case 'unrestrict':
      return m.unrestrictMember(chatId, user());
    case 'remove':
      return m.removeMember(chatId, user());
    case 'ban':
      return m.banMember(chatId, user(), call.untilMs);
    case 'unban':
      return m.unbanMember(chatId, user());
  }
}
