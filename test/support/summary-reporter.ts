import type { Reporter, TestModule } from 'vitest/node';

// Ends the run with one plain line, "N passed, N failed, N skipped", that any CI can
// read. A file that fails outside any test (a crash in a hook or at import) counts as
// one failure, so the line never says "0 failed" for a run that failed.
export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<unknown>): void {
    const counts = { passed: 0, failed: 0, skipped: 0, pending: 0 };
    for (const module of testModules) {
      let failedTests = 0;
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        counts[state] += 1;
        if (state === 'failed') failedTests += 1;
      }
      if (failedTests === 0 && module.state() === 'failed') counts.failed += 1;
    }
    counts.failed += unhandledErrors.length;
    process.stdout.write(`\n${counts.passed} passed, ${counts.failed} failed, ${counts.skipped + counts.pending} skipped\n`);
  }
}
