/**
 * Checkpoint files: a `ModelState` (kind, architecture fingerprint, named arrays, metadata) in one
 * binary file with a SHA-256 checksum, written atomically.
 *
 * Layout: the 8 bytes `BLNNCKP1`, a little-endian uint32 header length, the UTF-8 JSON header
 * `{kind, fingerprint, meta, arrays: [{name, dtype, length, offset}], sha256}`, then the array bytes
 * (each starting at an 8-byte aligned offset from the payload start). Loading checks the magic, the
 * header and the checksum, so a truncated, corrupt or foreign file is a clear `checkpoint` error.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { BiasloopError } from '../core/errors.ts';
import { writeFileAtomic } from '../core/files.ts';
import type { ModelState } from '../models/types.ts';

const MAGIC = 'BLNNCKP1';

type ArrayDType = 'float32' | 'float64' | 'int32';

interface HeaderArray {
  name: string;
  dtype: ArrayDType;
  length: number;
  offset: number;
}

interface Header {
  kind: string;
  fingerprint: string;
  meta: ModelState['meta'];
  arrays: HeaderArray[];
  sha256: string;
}

function dtypeOf(a: Float64Array | Float32Array | Int32Array): ArrayDType {
  if (a instanceof Float64Array) return 'float64';
  if (a instanceof Float32Array) return 'float32';
  return 'int32';
}

/** Serialise a model state to checkpoint bytes. */
export function encodeCheckpoint(state: ModelState): Uint8Array {
  const arrays: HeaderArray[] = [];
  let offset = 0;
  for (const [name, a] of Object.entries(state.arrays)) {
    arrays.push({ name, dtype: dtypeOf(a), length: a.length, offset });
    offset += Math.ceil(a.byteLength / 8) * 8;
  }
  const payload = new Uint8Array(offset);
  Object.values(state.arrays).forEach((a, i) => {
    payload.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), arrays[i].offset);
  });
  const header: Header = {
    kind: state.kind,
    fingerprint: state.fingerprint,
    meta: state.meta,
    arrays,
    sha256: createHash('sha256').update(payload).digest('hex'),
  };
  const headerBytes = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + 4 + headerBytes.length + payload.length);
  out.set(new TextEncoder().encode(MAGIC), 0);
  new DataView(out.buffer).setUint32(8, headerBytes.length, true);
  out.set(headerBytes, 12);
  out.set(payload, 12 + headerBytes.length);
  return out;
}

/** Parse checkpoint bytes; `source` names the file in errors. */
export function decodeCheckpoint(bytes: Uint8Array, source = 'checkpoint'): ModelState {
  const fail = (why: string): never => {
    throw new BiasloopError('checkpoint', `${source} ${why}`);
  };
  if (bytes.length < 12 || new TextDecoder().decode(bytes.subarray(0, 8)) !== MAGIC) {
    fail('is not a biasloop neural checkpoint (wrong magic bytes)');
  }
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(8, true);
  if (12 + headerLength > bytes.length) fail('is truncated (header runs past the end of the file)');
  let header: Header;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + headerLength))) as Header;
  } catch {
    return fail('is corrupt (unreadable header)');
  }
  const payload = bytes.subarray(12 + headerLength);
  if (!Array.isArray(header.arrays) || typeof header.sha256 !== 'string')
    fail('is corrupt (incomplete header)');
  if (createHash('sha256').update(payload).digest('hex') !== header.sha256) {
    fail('is corrupt (checksum mismatch: the file was truncated or modified)');
  }
  const arrays: Record<string, Float64Array | Float32Array | Int32Array> = {};
  for (const a of header.arrays) {
    const width = a.dtype === 'float64' ? 8 : 4;
    if (a.offset + a.length * width > payload.length)
      fail(`is corrupt (array '${a.name}' runs past the end)`);
    // A fresh, aligned copy (a Buffer from readFileSync may be a view into a shared pool).
    const copy = new Uint8Array(a.length * width);
    copy.set(payload.subarray(a.offset, a.offset + a.length * width));
    arrays[a.name] =
      a.dtype === 'float64'
        ? new Float64Array(copy.buffer)
        : a.dtype === 'float32'
          ? new Float32Array(copy.buffer)
          : new Int32Array(copy.buffer);
  }
  return { kind: header.kind, fingerprint: header.fingerprint, meta: header.meta, arrays };
}

export function saveCheckpoint(path: string, state: ModelState): void {
  writeFileAtomic(path, encodeCheckpoint(state));
}

export function loadCheckpoint(path: string): ModelState {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new BiasloopError(
      'io',
      `cannot read checkpoint ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
  return decodeCheckpoint(bytes, path);
}
