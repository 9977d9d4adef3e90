// Prints one plain closing line ("tests: N passed, N failed, N skipped") that any CI can read,
// and lists why suites were skipped, so a skip is never silent.
import type { Reporter, TestModule } from 'vitest/node';

export default class SummaryReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    const reasons = new Set<string>();
    for (const mod of modules) {
      for (const test of mod.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed') failed++;
        else {
          skipped++;
          const match = test.fullName.match(/SKIPPED: (.+?)\)(?: >|$)/);
          if (match?.[1]) reasons.add(match[1].trim());
        }
      }
    }
    for (const reason of reasons) console.log(`skipped: ${reason}`);
    console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
  }
}
