/**
 * The JSON Schema of experiment specs (for editor autocompletion) and the Markdown reference
 * (docs/spec.md) generated from the same zod schemas.
 */
import { z } from 'zod';
import { ExperimentSpec } from './schema.ts';

export function experimentJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(ExperimentSpec, { io: 'input', unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
  return {
    ...schema,
    $id: 'https://biasloop.dev/schema/experiment.json',
    title: 'biasloop experiment spec',
  };
}

interface JsonSchemaNode {
  type?: string | string[];
  description?: string;
  default?: unknown;
  enum?: unknown[];
  const?: unknown;
  properties?: Record<string, JsonSchemaNode>;
  required?: string[];
  oneOf?: JsonSchemaNode[];
  anyOf?: JsonSchemaNode[];
  items?: JsonSchemaNode;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  additionalProperties?: JsonSchemaNode | boolean;
}

function typeText(n: JsonSchemaNode): string {
  if (n.const !== undefined) return `\`${JSON.stringify(n.const)}\``;
  if (n.enum) return n.enum.map((e) => `\`${String(e)}\``).join(' \\| ');
  const alts = n.oneOf ?? n.anyOf;
  if (alts) return alts.map(typeText).join(' \\| ');
  if (n.type === 'array') return `list of ${n.items ? typeText(n.items) : 'values'}`;
  if (n.type === 'object' && n.additionalProperties && typeof n.additionalProperties === 'object') {
    return `map of ${typeText(n.additionalProperties)}`;
  }
  let t = Array.isArray(n.type) ? n.type.join(' \\| ') : (n.type ?? 'any');
  const bounds: string[] = [];
  if (n.minimum !== undefined && n.minimum > -1e15) bounds.push(`≥ ${n.minimum}`);
  if (n.exclusiveMinimum !== undefined) bounds.push(`> ${n.exclusiveMinimum}`);
  if (n.maximum !== undefined && n.maximum < 1e15) bounds.push(`≤ ${n.maximum}`);
  if (n.exclusiveMaximum !== undefined) bounds.push(`< ${n.exclusiveMaximum}`);
  if (bounds.length > 0) t += ` (${bounds.join(', ')})`;
  return t;
}

function rowsFor(node: JsonSchemaNode, prefix: string, out: string[][]): void {
  for (const [key, child] of Object.entries(node.properties ?? {})) {
    const path = prefix === '' ? key : `${prefix}.${key}`;
    const def =
      child.default === undefined
        ? node.required?.includes(key)
          ? 'required'
          : '–'
        : `\`${JSON.stringify(child.default)}\``;
    const alts = child.oneOf ?? child.anyOf;
    const objectAlts = alts?.filter((a) => a.properties);
    if (objectAlts && objectAlts.length > 0 && objectAlts.every((a) => a.properties)) {
      out.push([`\`${path}\``, 'one of the variants below', def, child.description ?? '']);
      for (const alt of objectAlts) {
        const disc = Object.entries(alt.properties ?? {}).find(([, v]) => v.const !== undefined);
        const label = disc ? `${path} (${disc[0]}: ${String(disc[1].const)})` : path;
        rowsFor(alt, label, out);
      }
    } else if (child.properties) {
      out.push([`\`${path}\``, 'object', def, child.description ?? '']);
      rowsFor(child, path, out);
    } else {
      out.push([`\`${path}\``, typeText(child), def, child.description ?? '']);
    }
  }
}

export function experimentSpecMarkdown(): string {
  const schema = experimentJsonSchema() as JsonSchemaNode;
  const rows: string[][] = [];
  rowsFor(schema, '', rows);
  const esc = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  return [
    '# Experiment spec reference',
    '',
    'Generated from the zod schemas in `src/spec/schema.ts` by `biasloop schema --markdown`; a test keeps',
    'this file in step with the code. Unknown keys are errors (with the closest valid key suggested).',
    'Editors can autocomplete specs from the JSON Schema: `biasloop schema > biasloop.schema.json`.',
    '',
    '| field | type | default | meaning |',
    '|---|---|---|---|',
    ...rows.map(([f, t, d, m]) => `| ${f} | ${t.includes('\\|') ? t : esc(t)} | ${esc(d)} | ${esc(m)} |`),
    '',
  ].join('\n');
}
