/** The EndToEndId of an item: its referenceCode (a UUID) without hyphens, 32 of the 35 characters allowed. */
export function endToEndIdOf(referenceCode: string): string {
  const id = referenceCode.replace(/-/g, '').toLowerCase();
  if (!/^[0-9a-f]{32}$/.test(id)) throw new Error(`referenceCode ${referenceCode} is not a UUID`);
  return id;
}

export function referenceCodeOf(endToEndId: string): string {
  const id = endToEndId.toLowerCase();
  return `${id.slice(0, 8)}-${id.slice(8, 12)}-${id.slice(12, 16)}-${id.slice(16, 20)}-${id.slice(20)}`;
}
