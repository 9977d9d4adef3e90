// The narrow way a staff channel that talks back (Slack) acts on tickets: by thread, as the
// channel's own user, never echoing into the channel it came from.
import type { StaffDesk } from '../../staff/channel.js';
import type { Tickets } from './tickets.js';

/** origin: the outbox channel name of the staff channel using this desk ("slack"). */
export function staffDesk(tickets: Tickets, origin: string): StaffDesk {
  return {
    ticketByThread: async (ts) => (await tickets.bySlackTs(ts))?.id ?? null,
    threadOf: async (id) => (await tickets.get(id))?.slackTs ?? null,
    setThread: (id, place, ts) => tickets.setSlackThread(id, place, ts),
    reply: async (id, text, by) => {
      await tickets.reply(id, text, by, origin);
    },
    note: async (id, text, by) => {
      await tickets.note(id, text, by, origin);
    },
    claim: async (id, by) => {
      await tickets.claim(id, by);
    },
    resolve: async (id, by) => {
      await tickets.resolve(id, by);
    },
  };
}
