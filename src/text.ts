/** NUL, or a UTF-16 surrogate without its other half. */
const unstorable = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * Whether PostgreSQL can store `text` as text or inside jsonb: it refuses U+0000 (22021 / 22P05),
 * and a lone surrogate is no character in any encoding (JSON.parse lets `"\ud800"` through).
 */
export function isStorableText(text: string): boolean {
  return !unstorable.test(text);
}
