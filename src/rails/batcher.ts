/**
 * Gathers calls made in the same tick into one backend statement. The engine calls a rail once per
 * item (the rail interface is per payout, like a bank's API), with up to limits.railCallsInFlightMax
 * calls in flight; a rail whose backend is our own database turns those into one
 * `… = any($1)` / `unnest` statement instead of hundreds of round trips.
 */
export function batched<In, Out>(flush: (inputs: In[]) => Promise<Out[]>, maxPerFlush: number): (input: In) => Promise<Out> {
  let pending: { input: In; resolve: (out: Out) => void; reject: (error: unknown) => void }[] = [];
  let scheduled = false;

  const run = async () => {
    scheduled = false;
    const taken = pending.slice(0, maxPerFlush);
    pending = pending.slice(taken.length);
    if (pending.length > 0) schedule();
    try {
      const outs = await flush(taken.map((p) => p.input));
      if (outs.length !== taken.length) throw new Error(`batched flush answered ${outs.length} of ${taken.length} calls`);
      taken.forEach((p, i) => p.resolve(outs[i]));
    } catch (error) {
      for (const p of taken) p.reject(error);
    }
  };
  const schedule = () => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(() => void run());
  };

  return (input) =>
    new Promise<Out>((resolve, reject) => {
      pending.push({ input, resolve, reject });
      schedule();
    });
}
