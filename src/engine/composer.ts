// The engine's pipeline: middleware (ctx, next) run in the order they are registered.
export type Next = () => Promise<void>;
export type Middleware<C> = (ctx: C, next: Next) => Promise<void> | void;

export function compose<C>(middleware: readonly Middleware<C>[]): (ctx: C) => Promise<void> {
  return (ctx) => {
    let last = -1;
    const run = async (i: number): Promise<void> => {
      if (i <= last) throw new Error('next() called twice by one middleware');
      last = i;
      const mw = middleware[i];
      if (mw) await mw(ctx, () => run(i + 1));
    };
    return run(0);
  };
}
