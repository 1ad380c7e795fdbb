import { readFileSync } from 'node:fs';

let cached: string | undefined;

/** biasloop's version, read once from package.json ('unknown' if it cannot be read). */
export function packageVersion(): string {
  if (cached === undefined) {
    try {
      cached = (
        JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
          version: string;
        }
      ).version;
    } catch {
      cached = 'unknown';
    }
  }
  return cached;
}
