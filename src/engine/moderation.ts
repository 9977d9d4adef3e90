// One way to moderate through any channel: every action exists, and one the channel cannot do fails
// with ADAPTER_UNSUPPORTED instead of being skipped without a word (adapters simply lack the method).
import { ModerationError } from '../errors.js';
import type { ChannelAdapter } from './channel.js';

export type ModerationAction = 'deleteMessage' | 'restrictMember' | 'unrestrictMember' | 'removeMember';

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
  };
}
