import { randomUUID } from 'node:crypto';
import { BatchFileIdSchema, BatchIdSchema } from '@conduit/contracts';
import { batchIdOf, batchUuidOf, fileIdOf, fileUuidOf } from './batch-ids';

describe('batch ids', () => {
  it('turn a UUID into the contract id and back', () => {
    const uuid = randomUUID();
    expect(BatchFileIdSchema.safeParse(fileIdOf(uuid)).success).toBe(true);
    expect(BatchIdSchema.safeParse(batchIdOf(uuid)).success).toBe(true);
    expect(fileUuidOf(fileIdOf(uuid))).toBe(uuid);
    expect(batchUuidOf(batchIdOf(uuid))).toBe(uuid);
  });
});
