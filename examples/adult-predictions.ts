/**
 * A predictions file to audit: train the loop's logistic regression on UCI Adult (adult.data) and
 * write its predictions for adult.test, one row per person, with the protected attributes, the true
 * label, the predicted probability and the hard prediction. Then audit it:
 *
 *   npx tsx examples/adult-predictions.ts path/to/adult adult-predictions.csv
 *   npx biasloop audit adult-predictions.csv --label income --label-positive '>50K' \
 *       --pred prediction --pred-positive '>50K' --group sex --group race
 *
 * The model is the one the loop trains at generation 0 (same features: sex and race are not inputs,
 * "unawareness"; same L2 penalty and solver), fitted once on all 30,162 complete training rows.
 */
import { writeFileSync } from 'node:fs';
import { Rng } from '../src/core/rng.ts';
import { loadRealData } from '../src/data/real.ts';
import { LogisticRegression } from '../src/models/logistic.ts';
import { validateSpec } from '../src/spec/load.ts';

export interface AdultPredictions {
  readonly rows: number;
  readonly accuracy: number;
}

/** Fit on adult.data, predict adult.test, write `out` (CSV); `adultDir` holds adult.data and adult.test. */
export function writeAdultPredictions(adultDir: string, out: string): AdultPredictions {
  const spec = validateSpec({ data: { source: 'adult', path: adultDir, protected: ['sex', 'race'] } });
  const real = loadRealData(spec.data, Rng.stream(0, 'adult-predictions'), {
    freshFraction: 0,
    generations: 0,
  });
  const model = new LogisticRegression();
  model.fit(real.train, { rng: Rng.stream(0, 'adult-predictions', 'fit') });
  const test = real.tests[0].data;
  const proba = model.predictProba(test.x, test.n);
  const { attributes, groupLevels, classNames } = test.schema;
  const lines = ['sex,race,income,score,prediction'];
  let correct = 0;
  for (let i = 0; i < test.n; i++) {
    const levels = groupLevels[test.group[i]];
    const values = attributes.map((a, k) => a.levels[levels[k]]);
    const p = proba[2 * i + 1];
    const predicted = p > 0.5 ? 1 : 0; // the model's predict(): decision function > 0
    if (predicted === test.y[i]) correct++;
    lines.push(`${values.join(',')},${classNames[test.y[i]]},${p},${classNames[predicted]}`);
  }
  writeFileSync(out, lines.join('\n') + '\n');
  return { rows: test.n, accuracy: correct / test.n };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [dir, out] = process.argv.slice(2);
  if (dir === undefined || out === undefined) {
    console.error('usage: npx tsx examples/adult-predictions.ts <adult directory> <output.csv>');
    process.exit(2);
  }
  const r = writeAdultPredictions(dir, out);
  console.log(`${out}: ${r.rows} predictions, accuracy ${r.accuracy.toFixed(4)}`);
}
