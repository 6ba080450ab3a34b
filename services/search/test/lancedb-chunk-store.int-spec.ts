import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LanceDbChunkStore } from '../src/store/lancedb/lancedb-chunk-store';
import { describeChunkStoreContract } from './support/chunk-store.contract';

const path = mkdtempSync(join(tmpdir(), 'conduit-lancedb-contract-'));
afterAll(() => rmSync(path, { recursive: true, force: true }));

describeChunkStoreContract('LanceDbChunkStore', () => LanceDbChunkStore.open({ path }));
