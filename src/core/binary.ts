/**
 * A small self-describing binary container for typed arrays plus JSON metadata, used by checkpoints
 * (synthetic sets, model states). Layout:
 *
 *   "BLBIN1\n" | uint32 LE header length | header JSON (UTF-8) | payload (raw or deflate-compressed)
 *
 * The header lists each array's name, dtype, length and byte offset inside the decompressed payload,
 * plus a SHA-256 of the payload, so truncation or corruption is detected and reported, never trusted.
 * The payload is deflated only when it is mostly integer codes (labels, groups, provenance shrink
 * ~10×): sampled float data shrinks by ~4% at ~45 ms per 2 MB, which made compression a third of a
 * sweep's CPU time. `compression` in the header says which; files without it are deflated.
 */
import { createHash } from 'node:crypto';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { BiasloopError } from './errors.ts';
import { sha256 } from './files.ts';

const MAGIC = 'BLBIN1\n';

export type TypedArrayLike = Float64Array | Float32Array | Int32Array | Uint8Array | Uint16Array;
type DType = 'f64' | 'f32' | 'i32' | 'u8' | 'u16';

function dtypeOf(a: TypedArrayLike): DType {
  if (a instanceof Float64Array) return 'f64';
  if (a instanceof Float32Array) return 'f32';
  if (a instanceof Int32Array) return 'i32';
  if (a instanceof Uint16Array) return 'u16';
  return 'u8';
}

function construct(dtype: DType, buf: ArrayBuffer, offset: number, length: number): TypedArrayLike {
  switch (dtype) {
    case 'f64':
      return new Float64Array(buf, offset, length).slice();
    case 'f32':
      return new Float32Array(buf, offset, length).slice();
    case 'i32':
      return new Int32Array(buf, offset, length).slice();
    case 'u16':
      return new Uint16Array(buf, offset, length).slice();
    case 'u8':
      return new Uint8Array(buf, offset, length).slice();
  }
}

const BYTES: Record<DType, number> = { f64: 8, f32: 4, i32: 4, u16: 2, u8: 1 };

type Compression = 'deflate-raw' | 'none';

interface Header {
  meta: unknown;
  arrays: { name: string; dtype: DType; length: number; offset: number }[];
  payloadBytes: number;
  payloadSha256: string;
  /** Absent in files written before it existed: those are deflated. */
  compression?: Compression;
}

const ZERO_PAD = new Uint8Array(8);

/**
 * The encoded container as a list of byte chunks, to be written in order. When the payload is stored
 * raw (float data) the chunks are views of the arrays themselves: nothing is copied, so writing a
 * generation's checkpoint allocates no payload-sized buffers. The arrays must not change until the
 * chunks are written.
 */
export function encodeArrayChunks(
  arrays: Readonly<Record<string, TypedArrayLike>>,
  meta: unknown = null,
): Uint8Array[] {
  const entries: Header['arrays'] = [];
  const views: Uint8Array[] = [];
  let offset = 0;
  let floatBytes = 0;
  for (const [name, a] of Object.entries(arrays)) {
    offset = Math.ceil(offset / 8) * 8;
    const dtype = dtypeOf(a);
    entries.push({ name, dtype, length: a.length, offset });
    views.push(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
    if (dtype === 'f64' || dtype === 'f32') floatBytes += a.byteLength;
    offset += a.byteLength;
  }
  const compression: Compression = floatBytes * 2 < offset ? 'deflate-raw' : 'none';
  let body: Uint8Array[];
  let payloadSha256: string;
  if (compression === 'none') {
    // The payload is the arrays at their offsets with zero padding between them, hashed as written.
    const hash = createHash('sha256');
    body = [];
    let pos = 0;
    entries.forEach((e, i) => {
      if (e.offset > pos) {
        const pad = ZERO_PAD.subarray(0, e.offset - pos);
        hash.update(pad);
        body.push(pad);
      }
      hash.update(views[i]);
      body.push(views[i]);
      pos = e.offset + views[i].byteLength;
    });
    payloadSha256 = hash.digest('hex');
  } else {
    const payload = new Uint8Array(offset);
    entries.forEach((e, i) => payload.set(views[i], e.offset));
    payloadSha256 = sha256(payload);
    body = [deflateRawSync(payload, { level: 1 })];
  }
  const header: Header = { meta, arrays: entries, payloadBytes: offset, payloadSha256, compression };
  const headerBytes = Buffer.from(JSON.stringify(header), 'utf8');
  const prefix = Buffer.alloc(MAGIC.length + 4 + headerBytes.length);
  prefix.write(MAGIC, 0, 'latin1');
  prefix.writeUInt32LE(headerBytes.length, MAGIC.length);
  headerBytes.copy(prefix, MAGIC.length + 4);
  return [prefix, ...body];
}

/** The encoded container as one buffer (see `encodeArrayChunks`). */
export function encodeArrays(
  arrays: Readonly<Record<string, TypedArrayLike>>,
  meta: unknown = null,
): Uint8Array {
  return Buffer.concat(encodeArrayChunks(arrays, meta));
}

export function decodeArrays(
  data: Uint8Array,
  name = 'file',
): { arrays: Record<string, TypedArrayLike>; meta: unknown } {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const corrupt = (why: string): BiasloopError =>
    new BiasloopError('checkpoint', `${name} is corrupt (${why})`);
  if (buf.length < MAGIC.length + 4 || buf.toString('latin1', 0, MAGIC.length) !== MAGIC)
    throw corrupt('bad magic');
  const hlen = buf.readUInt32LE(MAGIC.length);
  if (MAGIC.length + 4 + hlen > buf.length) throw corrupt('truncated header');
  let header: Header;
  try {
    header = JSON.parse(buf.toString('utf8', MAGIC.length + 4, MAGIC.length + 4 + hlen)) as Header;
  } catch {
    throw corrupt('unreadable header');
  }
  const body = buf.subarray(MAGIC.length + 4 + hlen);
  const compression = header.compression ?? 'deflate-raw';
  let payload: Buffer;
  if (compression === 'none') payload = body;
  else if (compression === 'deflate-raw') {
    try {
      payload = inflateRawSync(body);
    } catch {
      throw corrupt('truncated or damaged payload');
    }
  } else throw corrupt(`unknown compression '${String(compression)}'`);
  if (payload.length !== header.payloadBytes || sha256(payload) !== header.payloadSha256)
    throw corrupt('checksum mismatch');
  const aligned = new Uint8Array(payload.length);
  aligned.set(payload);
  const ab = aligned.buffer;
  const arrays: Record<string, TypedArrayLike> = {};
  for (const e of header.arrays) {
    if (e.offset + e.length * BYTES[e.dtype] > payload.length) throw corrupt(`array ${e.name} out of bounds`);
    arrays[e.name] = construct(e.dtype, ab, e.offset, e.length);
  }
  return { arrays, meta: header.meta };
}
