/** Whether dist/ is up to date with src/ under the package directory `root` (with a trailing slash). */
export function distIsFresh(root: string): boolean;
