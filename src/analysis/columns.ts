/**
 * Which column of a result file is which: flags first, then the header's names (the published
 * Bias Amplification layout `Generation,Article_ID,Left_Score,Center_Score,Right_Score` is detected
 * as is), and setup names derived from file names.
 */
import { basename } from 'node:path';
import { BiasloopError, closestMatch } from '../core/errors.ts';

/** Column choices a caller can force (the CLI's --*-col flags). */
export interface ColumnFlags {
  readonly generationCol?: string;
  readonly idCol?: string;
  readonly scoreCols?: readonly string[];
  readonly labelCol?: string;
  readonly groupCol?: string;
  readonly valueCol?: string;
}

export interface ColumnMap {
  readonly generation?: string;
  readonly model?: string;
  readonly id?: string;
  readonly scores?: readonly string[];
  readonly label?: string;
  readonly group?: string;
  readonly value?: string;
}

const KNOWN_SUFFIXES = ['_Bias_Performance', '_Generation_Quality', '_Perplexity', '_scores', '_results'];

/** Setup names for files compared together: the stems without their shared suffix (e.g. `_Bias_Performance`). */
export function setupNames(files: readonly string[]): string[] {
  const stems = files.map((f) => basename(f).replace(/\.(csv|tsv|jsonl|ndjson)$/i, ''));
  const withoutKnownSuffix = stems.map((s) => {
    for (const suffix of KNOWN_SUFFIXES)
      if (s.endsWith(suffix) && s.length > suffix.length) return s.slice(0, -suffix.length);
    return s;
  });
  const unique = (names: string[]) => new Set(names).size === names.length;
  if (stems.length >= 2) {
    const parts = stems.map((s) => s.split('_'));
    let common = 0;
    for (;;) {
      const k = common + 1;
      if (parts.some((p) => p.length <= k)) break;
      const tail = parts[0].slice(-k).join('_');
      if (!parts.every((p) => p.slice(-k).join('_') === tail)) break;
      common = k;
    }
    if (common > 0) {
      const names = parts.map((p) => p.slice(0, p.length - common).join('_'));
      if (unique(names)) return names;
    }
  }
  return unique(withoutKnownSuffix) ? withoutKnownSuffix : stems;
}

function missingColumn(file: string, flag: string, name: string, header: readonly string[]): BiasloopError {
  const s = closestMatch(name, header);
  return new BiasloopError('data', `column '${name}' (${flag}) is not in the header`, {
    file,
    hint: `${s !== undefined ? `did you mean '${s}'? ` : ''}columns: ${header.join(', ')}`,
  });
}

const GENERATION_RE = /^(generation|gen|round|iteration|iter|step)$/i;
const MODEL_RE = /^(model|model_name|version)$/i;
const ID_RE = /^(id|.*[_ ]id|.*Id)$/i;
const LABEL_RE = /^(label|class|prediction|predicted|pred|lean)$/i;
const GROUP_RE = /^(group|attribute|protected|sensitive)$/i;
const SCORE_RE = /^(.+?)[_ ]score$/i;

/** Decide which column is which, from flags first and the header's names otherwise. */
export function detectColumns(header: readonly string[], opts: ColumnFlags, file: string): ColumnMap {
  const need = (flag: string, name: string | undefined): string | undefined => {
    if (name === undefined) return undefined;
    if (!header.includes(name)) throw missingColumn(file, flag, name, header);
    return name;
  };
  const generation =
    need('--generation-col', opts.generationCol) ?? header.find((h) => GENERATION_RE.test(h));
  const model = generation === undefined ? header.find((h) => MODEL_RE.test(h)) : undefined;
  const id = need('--id-col', opts.idCol) ?? header.find((h) => ID_RE.test(h) && h !== generation);
  const group = need('--group-col', opts.groupCol) ?? header.find((h) => GROUP_RE.test(h));
  const label = need('--label-col', opts.labelCol);
  const value = need('--value-col', opts.valueCol);
  let scores = opts.scoreCols?.map((c) => need('--score-cols', c) as string);
  if (scores !== undefined && scores.length < 2) {
    throw new BiasloopError('usage', '--score-cols needs at least two columns (one per class)', { file });
  }
  const taken = new Set([generation, model, id, group].filter((c): c is string => c !== undefined));
  if (scores === undefined && label === undefined && value === undefined) {
    const auto = header.filter((h) => SCORE_RE.test(h) && !taken.has(h));
    if (auto.length >= 2) scores = auto;
  }
  let autoLabel: string | undefined;
  let autoValue: string | undefined;
  if (scores === undefined && label === undefined && value === undefined) {
    autoLabel = header.find((h) => LABEL_RE.test(h) && !taken.has(h));
    if (autoLabel === undefined) {
      const rest = header.filter((h) => !taken.has(h));
      if (rest.length === 1) autoValue = rest[0];
      else {
        throw new BiasloopError('data', 'cannot tell which columns hold the results', {
          file,
          hint: `pass --score-cols, --label-col or --value-col; columns: ${header.join(', ')}`,
        });
      }
    }
  }
  return { generation, model, id, group, scores, label: label ?? autoLabel, value: value ?? autoValue };
}
