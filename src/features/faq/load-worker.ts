// The loading worker thread (see knowledge-reader.ts): reads, parses and tokenizes a large
// knowledge base's files, so the main thread, where customers' messages are answered, only builds
// the index from the term ids it sends.
import { readlinkSync } from 'node:fs';
import { constants, setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { runNow } from '../../util/sliced.js';
import { type ReadMessage, type ReadRequest, readSteps } from './knowledge-files.js';

const port = parentPort;
if (!port) throw new Error('load-worker.ts runs as a worker thread (see knowledge-reader.ts)');

// This thread gives way to the main thread when they compete for a core: a reload may take
// longer, customers' answers do not. Linux gives each thread its own nice value
// (/proc/thread-self names this one); elsewhere this does nothing.
try {
  const thread = Number(readlinkSync('/proc/thread-self').split('/').pop());
  if (thread) setPriority(thread, constants.priority.PRIORITY_BELOW_NORMAL);
} catch {
  // not Linux, or not allowed: the same priority as the main thread
}

runNow(
  readSteps(workerData as ReadRequest, (message: ReadMessage) => {
    // The term ids move to the main thread without a copy.
    port.postMessage(
      message,
      message.type === 'entries'
        ? [message.block.ids.buffer as ArrayBuffer, message.block.ends.buffer as ArrayBuffer]
        : [],
    );
  }),
);
