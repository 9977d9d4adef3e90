// Long CPU work on the main thread without holding it: the work is written once as a generator that
// yields at points where it may pause (every few hundred items), and runs either at once
// (runNow: tests, benchmarks, a caller that wants the result now) or in slices of a few
// milliseconds with the event loop running between them (runSliced: a knowledge base reloading
// while customers' messages keep being answered). Yielding only when the slice is used up keeps
// small jobs synchronous in effect: they finish in their first slice, before any other callback.

/** Work that may pause at each `yield`; returns T at the end. */
export type Steps<T> = Generator<void, T, void>;

/** How long a slice runs before the event loop gets a turn (ms). */
export const SLICE_MS = 8;

export function runNow<T>(steps: Steps<T>): T {
  for (;;) {
    const next = steps.next();
    if (next.done) return next.value;
  }
}

export async function runSliced<T>(steps: Steps<T>, sliceMs = SLICE_MS): Promise<T> {
  let sliceStart = performance.now();
  for (;;) {
    const next = steps.next();
    if (next.done) return next.value;
    if (performance.now() - sliceStart >= sliceMs) {
      await turn();
      sliceStart = performance.now();
    }
  }
}

/** One turn of the event loop: timers, I/O and other callbacks run before this resolves. */
export function turn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Pages of memory a step of faultIn touches. */
const PAGES_PER_STEP = 64;
const PAGE_BYTES = 4096;

/**
 * A new typed array with every page of it written once, a few hundred pages a step. The first
 * write to a page of new memory is a page fault, and on a virtual machine they cost: on the 2-core
 * machine the benchmarks run on, writing once per page of two new 14 MB arrays took 50 ms, in
 * whichever step happened to touch them first.
 */
export function* faultIn<A extends Int32Array | Float64Array | Uint8Array>(array: A): Steps<A> {
  const stride = PAGE_BYTES / array.BYTES_PER_ELEMENT;
  for (let i = 0; i < array.length; i += stride) {
    array[i] = 0;
    if ((i / stride) % PAGES_PER_STEP === PAGES_PER_STEP - 1) yield;
  }
  return array;
}
