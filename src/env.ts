/**
 * The one parser of environment settings, used by every config module (config.ts and each folder's
 * own): unset or empty means the default; anything else must be valid, or start-up fails with a
 * message naming the variable, what it accepts and what it got.
 */
export type Env = NodeJS.ProcessEnv;

export interface Bounds {
  min: number;
  max: number;
}

function raw(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value === '' ? undefined : value;
}

/** A whole number within bounds. */
export function integerFromEnv(env: Env, name: string, fallback: number, { min, max }: Bounds): number {
  const text = raw(env, name);
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < min || value > max) throw new Error(`${name} must be an integer between ${min} and ${max}, got "${text}"`);
  return value;
}

/** A finite number within bounds (fractions allowed). */
export function numberFromEnv(env: Env, name: string, fallback: number, { min, max }: Bounds): number {
  const text = raw(env, name);
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value < min || value > max) throw new Error(`${name} must be a number between ${min} and ${max}, got "${text}"`);
  return value;
}

/** One of a fixed list of words; undefined when unset. */
export function choiceFromEnv<T extends string>(env: Env, name: string, choices: readonly T[]): T | undefined {
  const text = raw(env, name);
  if (text === undefined) return undefined;
  if (!(choices as readonly string[]).includes(text)) throw new Error(`${name} must be one of ${choices.join(', ')}, got "${text}"`);
  return text as T;
}

/** A switch: 1/true or 0/false (any case), the fallback when unset. */
export function booleanFromEnv(env: Env, name: string, fallback: boolean): boolean {
  const text = raw(env, name);
  if (text === undefined) return fallback;
  const value = ({ '1': true, true: true, '0': false, false: false } as Record<string, boolean>)[text.toLowerCase()];
  if (value === undefined) throw new Error(`${name} must be 1 or 0, got "${text}"`);
  return value;
}

/** Free text matching `pattern` (described in words by `accepts`), or the fallback. */
export function textFromEnv(env: Env, name: string, fallback: string, pattern: RegExp, accepts: string): string {
  const text = raw(env, name) ?? fallback;
  if (!pattern.test(text)) throw new Error(`${name} must be ${accepts}, got "${text}"`);
  return text;
}

/** Optional text: undefined when unset or empty. */
export function optionalFromEnv(env: Env, name: string): string | undefined {
  return raw(env, name);
}
