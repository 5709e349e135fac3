/** axe-core checks shared by the journeys: no serious or critical violation. */

import assert from 'node:assert/strict';
import { AxeBuilder } from '@axe-core/playwright';
import type { Person } from './harness.ts';

/** Runs axe on the page as it is now; fails listing every serious/critical violation. */
export async function expectNoSeriousViolations(p: Pick<Person, 'page'>, where: string): Promise<void> {
  const results = await new AxeBuilder({ page: p.page }).analyze();
  const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  const minor = results.violations.filter((v) => !bad.includes(v));
  if (minor.length) {
    console.log(`# axe on ${where}: ${minor.length} minor/moderate: ${minor.map((v) => `${v.id} (${v.impact})`).join(', ')}`);
  }
  if (bad.length) {
    const lines = bad.map(
      (v) =>
        `- ${v.id} [${v.impact}] ${v.help} (${v.helpUrl})\n` +
        v.nodes
          .slice(0, 5)
          .map((n) => `    ${n.target.join(' ')}: ${n.failureSummary?.replace(/\n/g, ' ')}`)
          .join('\n'),
    );
    console.log(`# axe violations on ${where}:\n${lines.join('\n')}`);
    assert.fail(`axe on ${where}: ${bad.length} serious/critical violation(s):\n${lines.join('\n')}`);
  }
}
