/**
 * File helpers shared by every layer that writes results: atomic writes (temp file + rename, so a
 * killed process never leaves a half-written file under the final name), checksums, and readable
 * errors for paths that do not exist or cannot be written.
 */
import { createHash } from 'node:crypto';
import {
  mkdirSync,
  readFileSync,
  renameSync,
  writeSync,
  existsSync,
  statSync,
  openSync,
  fsyncSync,
  closeSync,
} from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { BiasloopError } from './errors.ts';

let tmpCounter = 0;

/**
 * Write `data` (text, bytes, or byte chunks written in order) to `path` atomically: write a sibling
 * temp file, fsync it, then rename over `path`.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array | readonly Uint8Array[]): void {
  const dir = dirname(path);
  ensureDir(dir);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${tmpCounter++}.tmp`);
  try {
    const fd = openSync(tmp, 'w');
    try {
      writeAllSync(fd, data);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (e) {
    throw ioError(e, path, 'write');
  }
}

/** Write all of `data` (text, bytes, or byte chunks in order) to an open file, however many calls it takes. */
export function writeAllSync(fd: number, data: string | Uint8Array | readonly Uint8Array[]): void {
  const chunks =
    typeof data === 'string' ? [Buffer.from(data, 'utf8')] : data instanceof Uint8Array ? [data] : data;
  for (const bytes of chunks) {
    let written = 0;
    while (written < bytes.byteLength) written += writeSync(fd, bytes, written);
  }
}

export function writeJsonAtomic(path: string, value: unknown): void {
  writeFileAtomic(path, JSON.stringify(value, null, 2) + '\n');
}

/** Create a directory (and parents); a clear error when that is not possible. */
export function ensureDir(dir: string): void {
  // Node's recursive mkdir never returns for paths under /proc: refuse them up front.
  if (/^\/proc(\/|$)/.test(resolve(dir))) {
    throw new BiasloopError(
      'io',
      `cannot create directory '${dir}': it is under a kernel pseudo-filesystem`,
      {
        hint: 'choose a writable directory with --out',
      },
    );
  }
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw ioError(e, dir, 'create directory');
  }
}

/** Read a text file with a one-line error for a missing or unreadable path. */
export function readTextFile(path: string, what = 'file'): string {
  if (!existsSync(path)) {
    throw new BiasloopError('io', `${what} '${path}' does not exist`, { hint: 'check the path' });
  }
  if (statSync(path).isDirectory()) {
    throw new BiasloopError('io', `${what} '${path}' is a directory, expected a file`);
  }
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw ioError(e, path, 'read');
  }
}

/** Hex SHA-256 of text, bytes, or byte chunks taken in order (the hash of their concatenation). */
export function sha256(data: string | Uint8Array | readonly Uint8Array[]): string {
  const hash = createHash('sha256');
  if (typeof data === 'string' || data instanceof Uint8Array) hash.update(data);
  else for (const chunk of data) hash.update(chunk);
  return hash.digest('hex');
}

/** Turn a Node fs error into a one-line BiasloopError. */
export function ioError(e: unknown, path: string, action: string): BiasloopError {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
    return new BiasloopError('io', `cannot ${action} '${path}': permission denied`, {
      hint: 'choose a writable directory with --out',
    });
  }
  if (code === 'ENOSPC')
    return new BiasloopError('io', `cannot ${action} '${path}': no space left on device`);
  if (code === 'ENOENT')
    return new BiasloopError('io', `cannot ${action} '${path}': no such file or directory`);
  const msg = e instanceof Error ? e.message : String(e);
  return new BiasloopError('io', `cannot ${action} '${path}': ${msg}`);
}
