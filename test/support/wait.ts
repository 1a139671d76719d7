/**
 * The one way tests wait for something: until `check` returns a value other than undefined, asking
 * every `everyMs`, for at most `timeoutMs`; fails with `describe()`'s answer otherwise (what was
 * seen last). Never a fixed sleep: the wait ends as soon as the condition holds.
 */
export async function waitFor<T>(check: () => Promise<T | undefined>, timeoutMs: number, describe: () => Promise<string> | string, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${await describe()}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/** waitFor for a yes/no condition, `what` naming it in the failure. */
export async function waitUntil(what: string, check: () => Promise<boolean> | boolean, timeoutMs: number, everyMs = 50): Promise<void> {
  await waitFor(async () => (await check()) || undefined, timeoutMs, () => what, everyMs);
}
