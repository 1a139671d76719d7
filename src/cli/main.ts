import { Command } from 'commander';
import { configFromEnv } from '../config.ts';
import { openDb } from '../db/open.ts';
import { startService } from '../service.ts';

const program = new Command('masspayout').description('Mass payout engine speaking iyzico\'s Mass Payout API');

program
  .command('serve')
  .description('run the HTTP API (and workers) on the configured database')
  .action(async () => {
    const service = await startService(configFromEnv());
    const stop = async () => {
      await service.stop();
      process.exit(0);
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });

program
  .command('migrate')
  .description('bring the database schema up to date and exit')
  .action(async () => {
    const config = configFromEnv();
    const db = await openDb({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
    await db.close();
    console.log('database is up to date');
  });

program.parseAsync(process.argv).catch((error: Error) => {
  console.error(`masspayout: ${error.message}`);
  process.exit(1);
});
