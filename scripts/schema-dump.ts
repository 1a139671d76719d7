import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { migrate } from '../src/db/migrate.ts';
import { openPglite } from '../src/db/pglite.ts';
import { dumpSchema } from '../src/db/schema-dump.ts';

/** `npm run db:schema`: migrates an empty in-memory database and writes what it holds to src/db/schema.sql. */
const db = await openPglite(undefined);
await migrate(db);
const path = fileURLToPath(new URL('../src/db/schema.sql', import.meta.url));
writeFileSync(path, await dumpSchema(db));
await db.close();
console.log(`${path}: written`);
