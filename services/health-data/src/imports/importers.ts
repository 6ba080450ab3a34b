import { Injectable } from '@nestjs/common';
import type { HealthImportKind } from '@conduit/contracts';
import { InjectConfig } from '@conduit/service-kit';
import { appleHealthImporter } from '../apple-health/apple-health.importer';
import { importBloodTestCsv, importBloodTestJson } from '../blood-tests/blood-test.importers';
import type { HealthDataConfig } from '../config';
import { fitZipImporter, importFitFile } from '../fit/fit.importers';
import { GarminImporters } from '../garmin/garmin.importers';
import type { Importer } from '../ingestion/import-sink';

/** The importer of each kind of import: one line per kind. */
@Injectable()
export class Importers {
  private readonly byKind: Record<HealthImportKind, Importer>;

  constructor(garmin: GarminImporters, @InjectConfig() config: HealthDataConfig) {
    this.byKind = {
      fit: importFitFile,
      'fit-zip': fitZipImporter({
        maxEntries: config.HEALTH_ZIP_MAX_ENTRIES,
        maxUnpackedBytes: config.HEALTH_ZIP_MAX_UNPACKED_BYTES,
      }),
      'blood-test-json': importBloodTestJson,
      'blood-test-csv': importBloodTestCsv,
      'garmin-push': garmin.push,
      'garmin-ping': garmin.ping,
      'apple-health': appleHealthImporter(),
    };
  }

  for(kind: HealthImportKind): Importer {
    return this.byKind[kind];
  }
}
