import { type Command, Option } from 'commander';
import type { WebhookDeliveryView, WebhookEndpointView } from '../../client/admin.ts';
import { type AdminOptions, adminClient, withAdminOptions } from '../options.ts';
import { CliFailure, run, type Output } from '../output.ts';

const eventTypes = [
  'mass_payout.authorized',
  'mass_payout.insufficient_balance',
  'mass_payout.completed',
  'mass_payout.failed',
  'mass_payout.canceled',
  'mass_payout.item.succeeded',
  'mass_payout.item.refunded',
  'mass_payout.item.refund_failed',
  'mass_payout.item.returned',
];

function showEndpoint(out: Output, e: WebhookEndpointView): void {
  out.line(`webhook ${e.id} of merchant ${e.merchantId}: ${e.url} (${e.status}${e.disabledReason ? `: ${e.disabledReason}` : ''})`);
  out.line(`  events: ${e.events.join(', ')}; items ${e.itemEvents}; failures in a row: ${e.consecutiveFailures}; last success: ${e.lastSuccessAt ?? 'never'}`);
}

function showDelivery(out: Output, d: WebhookDeliveryView): void {
  out.line(`delivery ${d.id} ${d.messageId} ${d.eventType} batch ${d.requestId} #${d.sequence}: ${d.status}, ${d.attempts} attempt(s)${d.nextAttemptAt ? `, next ${d.nextAttemptAt}` : ''}`);
  for (const a of d.attemptLog) out.line(`  ${a.at} ${a.httpStatus ?? '-'} ${a.durationMs} ms${a.error ? ` ${a.error}` : ''}${a.manual ? ' (re-sent by the operator)' : ''}`);
}

/** `masspayout webhook …`: a merchant's outcome webhooks (operator), and a local receiver for developers. */
export function registerWebhookCommands(program: Command): void {
  const webhook = program.command('webhook').description("a merchant's outcome webhooks (operator), and `listen`, a local receiver");
  const withMerchant = (command: Command) => withAdminOptions(command.requiredOption('--merchant <id>', "the merchant's id"));

  withMerchant(
    webhook
      .command('add')
      .description('register an endpoint and print its secret (shown once)')
      .requiredOption('--endpoint <url>', 'https:// URL of the receiver (http and private addresses only with MASSPAYOUT_WEBHOOK_ALLOW_PRIVATE=1 on the service)')
      .addOption(new Option('--events <types>', `comma-separated event types (default: all): ${eventTypes.join(', ')}`))
      .addOption(new Option('--item-events <mode>', 'grouped: mass_payout.items.settled, one for the paid items of a settlement and one for its refunds; each: one event per item').choices(['grouped', 'each']).default('grouped')),
  ).action(
    run(async (out, options: AdminOptions & { merchant: string; endpoint: string; events?: string; itemEvents: 'grouped' | 'each' }) => {
      const events = options.events?.split(',').map((e) => e.trim()).filter(Boolean);
      const client = await adminClient(options);
      const created = await client.addWebhook(options.merchant, { url: options.endpoint, itemEvents: options.itemEvents, ...(events ? { events } : {}) });
      if (out.json) return out.data(created);
      showEndpoint(out, created);
      out.line(`secret: ${created.secret}`);
      out.line('Store the secret now: it is not shown again. Verify each request with it (verifyWebhook in masspayout/client).');
    }),
  );

  withMerchant(webhook.command('list').description("the merchant's endpoints")).action(
    run(async (out, options: AdminOptions & { merchant: string }) => {
      const client = await adminClient(options);
      const { endpoints } = await client.webhooks(options.merchant);
      if (out.json) return out.data({ endpoints });
      if (endpoints.length === 0) out.line(`merchant ${options.merchant} has no webhook endpoint`);
      for (const e of endpoints) showEndpoint(out, e);
    }),
  );

  for (const [name, description] of [
    ['disable', 'stop sending to an endpoint (its deliveries wait)'],
    ['enable', 'send to an endpoint again, its failure streak reset'],
  ] as const) {
    withMerchant(webhook.command(name).description(description).requiredOption('--id <webhookId>', "the endpoint's id")).action(
      run(async (out, options: AdminOptions & { merchant: string; id: string }) => {
        const client = await adminClient(options);
        const endpoint = name === 'disable' ? await client.disableWebhook(options.merchant, options.id) : await client.enableWebhook(options.merchant, options.id);
        if (out.json) return out.data(endpoint);
        showEndpoint(out, endpoint);
      }),
    );
  }

  withMerchant(webhook.command('delete').description('delete an endpoint with its deliveries').requiredOption('--id <webhookId>', "the endpoint's id")).action(
    run(async (out, options: AdminOptions & { merchant: string; id: string }) => {
      const client = await adminClient(options);
      const deleted = await client.deleteWebhook(options.merchant, options.id);
      if (out.json) return out.data(deleted);
      out.line(`webhook ${deleted.id} deleted`);
    }),
  );

  withMerchant(webhook.command('rotate').description('a new secret (shown once); the previous one keeps signing for 24 h').requiredOption('--id <webhookId>', "the endpoint's id")).action(
    run(async (out, options: AdminOptions & { merchant: string; id: string }) => {
      const client = await adminClient(options);
      const rotated = await client.rotateWebhook(options.merchant, options.id);
      if (out.json) return out.data(rotated);
      out.line(`webhook ${rotated.id}: new secret: ${rotated.secret}`);
      out.line(`the previous secret signs too until ${rotated.previousSecretExpiresAt}`);
    }),
  );

  withMerchant(
    webhook
      .command('deliveries')
      .description("an endpoint's deliveries, oldest first, with every attempt")
      .requiredOption('--id <webhookId>', "the endpoint's id")
      .option('--limit <n>', 'deliveries per page (1..1000)')
      .option('--after-id <id>', 'the nextAfterId of the previous page'),
  ).action(
    run(async (out, options: AdminOptions & { merchant: string; id: string; limit?: string; afterId?: string }) => {
      const client = await adminClient(options);
      const page = await client.webhookDeliveries(options.merchant, options.id, { limit: options.limit === undefined ? undefined : Number(options.limit), afterId: options.afterId });
      if (out.json) return out.data(page);
      for (const d of page.deliveries) showDelivery(out, d);
      if (page.nextAfterId) out.line(`more: --after-id ${page.nextAfterId}`);
    }),
  );

  withMerchant(
    webhook.command('retry').description('re-send one delivery now (same webhook-id)').requiredOption('--id <webhookId>', "the endpoint's id").requiredOption('--delivery <deliveryId>', "the delivery's id"),
  ).action(
    run(async (out, options: AdminOptions & { merchant: string; id: string; delivery: string }) => {
      const client = await adminClient(options);
      const delivery = await client.retryWebhookDelivery(options.merchant, options.id, options.delivery);
      if (out.json) return out.data(delivery);
      showDelivery(out, delivery);
    }),
  );

  webhook
    .command('listen')
    .description("a local receiver: verifies each webhook with the endpoint's secret and prints it (register http://127.0.0.1:<port>/ with MASSPAYOUT_WEBHOOK_ALLOW_PRIVATE=1 on the service)")
    .option('--port <n>', 'port to listen on', '8787')
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option('--secret <whsec>', "the endpoint's secret (repeat for both during a rotation; env MASSPAYOUT_WEBHOOK_SECRET)", (value: string, previous: string[] = []) => [...previous, value])
    .option('--json', 'print each verified event as one JSON line')
    .action(
      run(async (out, options: { port: string; host: string; secret?: string[]; json?: boolean }) => {
        const secrets = options.secret ?? (process.env.MASSPAYOUT_WEBHOOK_SECRET ? [process.env.MASSPAYOUT_WEBHOOK_SECRET] : []);
        if (secrets.length === 0) throw new CliFailure('CLI_USAGE', { en: 'give the endpoint secret: --secret whsec_… or MASSPAYOUT_WEBHOOK_SECRET', tr: 'uç nokta anahtarını verin: --secret whsec_… veya MASSPAYOUT_WEBHOOK_SECRET' });
        const port = Number(options.port);
        if (!Number.isSafeInteger(port) || port < 0 || port > 65_535) throw new CliFailure('CLI_USAGE', { en: `--port must be 0..65535, got "${options.port}"`, tr: `--port 0..65535 olmalı, verilen "${options.port}"` });
        const { startWebhookListener, describeEvent } = await import('../webhook-listener.ts');
        const listener = await startWebhookListener({
          port,
          host: options.host,
          secrets,
          onEvent: (event, messageId) => process.stdout.write((options.json ? JSON.stringify({ webhookId: messageId, ...event }) : describeEvent(event)) + '\n'),
          onRefused: (reason) => out.note(`refused (${new CliFailure('CLI_WEBHOOK_SIGNATURE_INVALID').code}): ${reason}`),
        });
        out.note(`listening for webhooks on ${listener.url} (Ctrl-C stops)`);
        await new Promise<void>((resolve) => {
          process.once('SIGINT', resolve);
          process.once('SIGTERM', resolve);
        });
        await listener.close();
      }),
    );
}
