// WeChat moderation: the only thing a WeChat account can do to a room's members is remove them, and
// only in a room it owns (WeChat's rule); deleting others' messages or muting members is impossible.
// Whether the puppet can remove at all depends on the puppet (wechaty's room.remove → puppet.roomDel).
import type { Wechaty } from 'wechaty';
import type { ModerationCapabilities } from '../../src/engine/channel.js';
import { errorMessage, ModerationError } from '../../src/errors.js';

export const WECHAT_MODERATION: ModerationCapabilities = Object.freeze({
  deleteMessage: false,
  restrictMember: false,
  removeMember: true,
  banMember: false,
});

/** A puppet's way of saying it has no such method. */
const NOT_IMPLEMENTED = /not (yet )?(implemented|supported)|unsupported|unimplemented/i;

/** Removes a member from a room the account owns; throws ModerationError otherwise. */
export async function removeRoomMember(bot: Wechaty, roomId: string, contactId: string): Promise<void> {
  if (!bot.isLoggedIn) {
    throw new ModerationError(
      'ADAPTER_UNAVAILABLE',
      'wechat: not logged in (scan the QR code: GET /api/v1/channels/wechat/qr)',
    );
  }
  const room = await lookUp(`room ${roomId}`, () => bot.Room.find({ id: roomId }));
  if (!room) throw new ModerationError('ADAPTER_NOT_FOUND', `wechat: room ${roomId} not found (the bot left it?)`);
  const owner = room.owner();
  if (owner?.id !== bot.currentUser.id) {
    throw new ModerationError(
      'ADAPTER_FORBIDDEN',
      `wechat: the bot's account does not own room ${roomId}: only a room's owner can remove members`,
    );
  }
  const contact = await lookUp(`contact ${contactId}`, () => bot.Contact.find({ id: contactId }));
  const member = contact && (await lookUp(`the members of room ${roomId}`, () => room.has(contact)));
  if (!contact || !member) {
    throw new ModerationError('ADAPTER_NOT_FOUND', `wechat: ${contactId} is not a member of room ${roomId}`);
  }
  try {
    await room.remove(contact);
  } catch (err) {
    const code = NOT_IMPLEMENTED.test(errorMessage(err)) ? 'ADAPTER_UNSUPPORTED' : 'ADAPTER_UNAVAILABLE';
    throw new ModerationError(code, `wechat: removing ${contactId} from room ${roomId} failed: ${errorMessage(err)}`, {
      cause: err,
    });
  }
}

/** A puppet lookup; its failure (a dropped connection) is worth a retry. */
async function lookUp<T>(what: string, find: () => Promise<T>): Promise<T> {
  try {
    return await find();
  } catch (err) {
    throw new ModerationError('ADAPTER_UNAVAILABLE', `wechat: looking up ${what} failed: ${errorMessage(err)}`, {
      cause: err,
    });
  }
}
