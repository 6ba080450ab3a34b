/** @typedef {import('jest').Config} Config */

/** @type {Config['transform']} */
const swcTransform = {
  '^.+\\.ts$': [
    '@swc/jest',
    {
      module: { type: 'commonjs' },
      jsc: {
        target: 'es2022',
        parser: { syntax: 'typescript', decorators: true },
        transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
        keepClassNames: true,
      },
    },
  ],
};

/**
 * ESM-only packages the code uses (Node loads them with require(); Jest's module loader cannot): compiled
 * to CommonJS by the same transform.
 */
const esmOnlyPackages = [
  'file-type',
  '@garmin/fitsdk',
  'strtok3',
  'token-types',
  'uint8array-extras',
  '@tokenizer',
  '@borewit',
  'oauth4webapi',
];

/** @type {Config} */
const shared = {
  testEnvironment: 'node',
  transform: {
    ...swcTransform,
    [`node_modules/(${esmOnlyPackages.join('|')})/.+\\.js$`]: swcTransform['^.+\\.ts$'],
  },
  transformIgnorePatterns: [`/node_modules/(?!(${esmOnlyPackages.join('|')})/)`],
  moduleFileExtensions: ['ts', 'js', 'json'],
  moduleNameMapper: {
    '^@conduit/([a-z-]+)$': '<rootDir>/libs/$1/src',
    '^@conduit/([a-z-]+)/([a-z-]+)$': '<rootDir>/libs/$1/src/$2',
    // Its `node` export offers only `import`; the CommonJS loader needs the file itself.
    '^file-type$': '<rootDir>/node_modules/file-type/index.js',
  },
  modulePathIgnorePatterns: ['<rootDir>/.*/dist/'],
  rootDir: __dirname,
};

/** @type {Config} */
const config = {
  // Jest's default is one worker fewer than the cores, which on a 2-core CI machine runs the suites one at
  // a time. Integration suites spend most of their time waiting on the processes and servers they start,
  // so one per core finishes sooner.
  maxWorkers: '100%',
  // Integration suites start real processes and servers; the limit is a hang guard, not a speed target,
  // and CI shares its machine: a suite that starts two services can take minutes there.
  testTimeout: 180_000,
  reporters: ['default', '<rootDir>/tools/jest/summary-reporter.js'],
  projects: [
    { ...shared, displayName: 'unit', testMatch: ['<rootDir>/{libs,services,tools}/**/src/**/*.spec.ts'] },
    {
      ...shared,
      displayName: 'integration',
      testMatch: ['<rootDir>/{libs,services,tools}/**/test/**/*.int-spec.ts'],
      globalSetup: '<rootDir>/libs/testing/src/jest/global-setup.ts',
      globalTeardown: '<rootDir>/libs/testing/src/jest/global-teardown.ts',
    },
  ],
};

module.exports = config;
