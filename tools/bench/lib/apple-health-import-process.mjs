// A child process of `npm run bench -- health`: imports one Apple Health export (export.xml or export.zip)
// for one user into a health-data schema with the service's built import pipeline (services/health-data/dist:
// the streaming zip and XML readers, the mapping, HealthSampleRepository), so that the parent can watch its
// memory alone. Prints one JSON line per written batch ({ samples, rejected }) and one at the end
// ({ done: true, samples, rejected, skipped, seconds }).
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { REPO_ROOT, requireFromRoot } from './platform.mjs';

const [path, databaseUrl, schema, userId, batchSizeText] = process.argv.slice(2);
const dist = (file) => requireFromRoot(join(REPO_ROOT, 'services', 'health-data', 'dist', file));
const { openAppleHealthExport } = dist('apple-health/apple-health-export-file.js');
const { importAppleHealth } = dist('apple-health/apple-health-import.js');
const { toHealthSamples } = dist('apple-health/apple-health-samples.js');
const { HealthSampleRepository } = dist('samples/health-sample.repository.js');
const { Pool } = requireFromRoot('pg');

const pool = new Pool({ connectionString: databaseUrl, options: `-c search_path="${schema}"`, max: 2 });
const repository = new HealthSampleRepository(pool);
const startedAt = performance.now();
let samples = 0;
let rejected = 0;
const summary = await importAppleHealth({
  chunks: await openAppleHealthExport(path),
  batchSize: Number(batchSizeText),
  write: async (readings) => {
    const batch = readings.flatMap(toHealthSamples);
    await repository.upsertSamples(userId, batch);
    samples += batch.length;
    process.stdout.write(`${JSON.stringify({ samples, rejected })}\n`);
  },
  reject: () => {
    rejected += 1;
  },
});
await pool.end();
process.stdout.write(
  `${JSON.stringify({ done: true, samples, ...summary, seconds: (performance.now() - startedAt) / 1000 })}\n`,
);
