import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP } from 'node:net';
import { limits } from '../limits.ts';

/**
 * Where a webhook may go. By default only https:// to public addresses: an operator's endpoint must
 * not become a way to reach the service's own network (loopback, private ranges, link-local and the
 * cloud metadata address, carrier-grade NAT, documentation and reserved ranges). Checked when the
 * endpoint is registered and again when each attempt connects (webhookLookup), so a name that
 * resolved to a public address at registration and to 127.0.0.1 later (DNS rebinding) is refused.
 */
const notPublic = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.88.99.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['198.51.100.0', 24],
  ['203.0.113.0', 24], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) notPublic.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of [
  // IPv4-mapped addresses (::ffff:a.b.c.d) are judged as the IPv4 address they carry (isPublicAddress).
  ['::', 128], ['::1', 128], ['64:ff9b::', 96], ['100::', 64], ['2001::', 23], ['2001:db8::', 32], ['2002::', 16],
  ['fc00::', 7], ['fe80::', 10], ['fec0::', 10], ['ff00::', 8],
] as const) notPublic.addSubnet(network, prefix, 'ipv6');

/** Whether an IP address is one the public internet routes to us from (IPv4-mapped IPv6 judged as IPv4). */
export function isPublicAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return isPublicAddress(mapped[1]);
  // The same in hex, as the URL parser writes it: [::ffff:192.168.1.1] becomes [::ffff:c0a8:101].
  const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address);
  if (hex) {
    const [high, low] = [parseInt(hex[1], 16), parseInt(hex[2], 16)];
    return isPublicAddress(`${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`);
  }
  const family = isIP(address);
  if (family === 0) return false;
  return !notPublic.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

export type UrlCheck = { ok: true; url: URL } | { ok: false; reason: 'invalid' | 'private'; detail: string };

/** The URL's form: absolute, https (http only with the opt-in), no user name or password in it. */
export function checkUrlForm(text: string, allowPrivate: boolean): UrlCheck {
  if (text.length > limits.webhookUrlCharsMax) return { ok: false, reason: 'invalid', detail: `at most ${limits.webhookUrlCharsMax} characters` };
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { ok: false, reason: 'invalid', detail: 'not an absolute URL' };
  }
  if (url.protocol !== 'https:' && !(allowPrivate && url.protocol === 'http:')) {
    return { ok: false, reason: 'invalid', detail: allowPrivate ? 'the scheme must be https or http' : 'the scheme must be https (http only with MASSPAYOUT_WEBHOOK_ALLOW_PRIVATE=1)' };
  }
  if (url.username || url.password) return { ok: false, reason: 'invalid', detail: 'no user name or password in the URL (the signature authenticates us)' };
  if (url.hash) return { ok: false, reason: 'invalid', detail: 'no #fragment' };
  return { ok: true, url };
}

/** The host of a URL as the resolver takes it (IPv6 literals without their brackets). */
export function hostOf(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1');
}

/** Registration: the form, then every address the host resolves to must be public (unless allowed). */
export async function checkWebhookUrl(text: string, allowPrivate: boolean): Promise<UrlCheck> {
  const form = checkUrlForm(text, allowPrivate);
  if (!form.ok || allowPrivate) return form;
  const host = hostOf(form.url);
  let addresses: string[];
  try {
    addresses = isIP(host) ? [host] : (await resolveAll(host)).map((a) => a.address);
  } catch (error) {
    return { ok: false, reason: 'invalid', detail: `${host} does not resolve (${(error as NodeJS.ErrnoException).code ?? 'error'})` };
  }
  const refused = addresses.filter((a) => !isPublicAddress(a));
  if (refused.length > 0) return { ok: false, reason: 'private', detail: `${host} resolves to ${refused.join(', ')}` };
  return form;
}

function resolveAll(host: string): Promise<LookupAddress[]> {
  return new Promise((resolve, reject) => dnsLookup(host, { all: true }, (error, addresses) => (error ? reject(error) : resolve(addresses))));
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * The `lookup` of every attempt's connection: resolves the name and refuses it unless every address
 * is public, so the address checked is the very one connected to (no second resolution in between).
 */
export function webhookLookup(allowPrivate: boolean) {
  return (hostname: string, options: { all?: boolean; family?: number }, callback: LookupCallback): void => {
    dnsLookup(hostname, { all: true, family: options.family ?? 0 }, (error, addresses) => {
      if (error) return callback(error, []);
      const refused = addresses.filter((a) => !isPublicAddress(a.address));
      if (!allowPrivate && refused.length > 0) {
        const denied: NodeJS.ErrnoException = new Error(`${hostname} resolves to ${refused.map((a) => a.address).join(', ')}, not a public address`);
        denied.code = 'EADDRNOTPUBLIC';
        return callback(denied, []);
      }
      if (options.all) return callback(null, addresses);
      callback(null, addresses[0].address, addresses[0].family);
    });
  };
}
