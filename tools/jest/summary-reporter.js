/** How many of the slowest suites the summary names. */
const SLOWEST = 12;

/**
 * Ends the run with the slowest suites (where the suite's time goes, readable from a CI log's tail) and
 * a plain `N passed, N failed` line (plus skipped), readable by any CI. Both are written when the process
 * exits so that they come after Jest's own summary.
 */
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    const line = `${results.numPassedTests} passed, ${results.numFailedTests} failed`;
    const slowest = results.testResults
      .map((suite) => ({
        file: suite.testFilePath.replace(`${process.cwd()}/`, ''),
        seconds: (suite.perfStats.end - suite.perfStats.start) / 1000,
      }))
      .sort((a, b) => b.seconds - a.seconds)
      .slice(0, SLOWEST)
      .map(({ file, seconds }) => `  ${seconds.toFixed(1).padStart(6)} s  ${file}`);
    process.once('exit', () =>
      process.stdout.write(
        `\nslowest suites:\n${slowest.join('\n')}\n\n${skipped > 0 ? `${line}, ${skipped} skipped` : line}\n`,
      ),
    );
  }
}
module.exports = SummaryReporter;
