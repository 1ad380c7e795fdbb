import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BASE_METRICS } from '../../src/metrics/base-metrics.ts';
import { VARIANTS } from '../../src/metrics/derived.ts';
import { metricCatalog } from '../../src/metrics/registry.ts';

describe('docs/metrics.md', () => {
  const doc = readFileSync(new URL('../../docs/metrics.md', import.meta.url), 'utf8');
  it('documents every base metric, every variant and every named metric', () => {
    for (const b of BASE_METRICS) expect(doc, b.name).toContain(`\`${b.name}\``);
    for (const v of VARIANTS) expect(doc, v).toContain(`\`${v}\``);
    for (const m of metricCatalog().filter((x) => x.kind === 'named'))
      expect(doc, m.name).toContain(`\`${m.name}\``);
  });
  it('states the registry size it claims', () => {
    expect(doc).toContain(
      `${BASE_METRICS.length} base metrics × ${VARIANTS.length} variants = ${BASE_METRICS.length * VARIANTS.length}`,
    );
  });
});
