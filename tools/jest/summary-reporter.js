/**
 * Ends the run with a plain `N passed, N failed` line (plus skipped), readable by any CI. It is written
 * when the process exits so that it comes after Jest's own summary.
 */
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    const line = `${results.numPassedTests} passed, ${results.numFailedTests} failed`;
    process.once('exit', () =>
      process.stdout.write(`\n${skipped > 0 ? `${line}, ${skipped} skipped` : line}\n`),
    );
  }
}
module.exports = SummaryReporter;
