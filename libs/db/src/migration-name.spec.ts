import { nextMigrationFolder, normalizeMigrationName } from './migration-name';

describe('normalizeMigrationName', () => {
  it('snake-cases free text', () => {
    expect(normalizeMigrationName(' Add author-bio Field ')).toBe('add_author_bio_field');
  });

  it('rejects a name with nothing usable', () => {
    expect(() => normalizeMigrationName(' -- ')).toThrow('has no letters or digits');
  });
});

describe('nextMigrationFolder', () => {
  const now = new Date('2025-03-04T05:06:07.890Z');

  it('prefixes the UTC timestamp', () => {
    expect(nextMigrationFolder('init', [], now)).toBe('20250304050607_init');
  });

  it('sorts after a folder created in the same second', () => {
    expect(nextMigrationFolder('second', ['20250304050607_init'], now)).toBe('20250304050608_second');
  });

  it('sorts after existing folders when the clock is behind, across a day boundary', () => {
    expect(nextMigrationFolder('late', ['20250304235959_future', 'not_a_migration'], now)).toBe(
      '20250305000000_late',
    );
  });
});
