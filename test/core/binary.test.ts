import { createHash } from 'node:crypto';
import { deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeArrays, encodeArrayChunks, encodeArrays } from '../../src/core/binary.ts';
import { sha256, writeFileAtomic } from '../../src/core/files.ts';
import { tempDir } from '../helpers.ts';

const MAGIC = 'BLBIN1\n';

function headerOf(file: Uint8Array): Record<string, unknown> {
  const buf = Buffer.from(file);
  const len = buf.readUInt32LE(MAGIC.length);
  return JSON.parse(buf.toString('utf8', MAGIC.length + 4, MAGIC.length + 4 + len)) as Record<
    string,
    unknown
  >;
}

describe('binary array container', () => {
  const x = Float64Array.from({ length: 3000 }, (_, i) => Math.sin(i) * 1e3);
  const y = Int32Array.from({ length: 3000 }, (_, i) => i % 2);

  it('stores float-dominated payloads raw and integer-dominated ones deflated, and reads both back', () => {
    const floats = encodeArrays({ x, y }, { kind: 'synthetic' });
    expect(headerOf(floats).compression).toBe('none');
    const codes = encodeArrays({ y, g: new Uint8Array(3000).fill(1) });
    expect(headerOf(codes).compression).toBe('deflate-raw');
    expect(codes.length).toBeLessThan(3000 * 5 * 0.5);

    const a = decodeArrays(floats);
    expect(a.meta).toEqual({ kind: 'synthetic' });
    expect(Array.from(a.arrays.x)).toEqual(Array.from(x));
    expect(Array.from(a.arrays.y)).toEqual(Array.from(y));
    expect(Array.from(decodeArrays(codes).arrays.g)).toEqual(new Array(3000).fill(1));
  });

  it('reads files written before the compression field existed (always deflated)', () => {
    const payload = new Uint8Array(x.byteLength);
    payload.set(new Uint8Array(x.buffer));
    const header = {
      meta: { old: true },
      arrays: [{ name: 'x', dtype: 'f64', length: x.length, offset: 0 }],
      payloadBytes: payload.length,
      payloadSha256: createHash('sha256').update(payload).digest('hex'),
    };
    const h = Buffer.from(JSON.stringify(header), 'utf8');
    const body = deflateRawSync(payload, { level: 1 });
    const file = Buffer.alloc(MAGIC.length + 4 + h.length + body.length);
    file.write(MAGIC, 0, 'latin1');
    file.writeUInt32LE(h.length, MAGIC.length);
    h.copy(file, MAGIC.length + 4);
    body.copy(file, MAGIC.length + 4 + h.length);
    const back = decodeArrays(file);
    expect(back.meta).toEqual({ old: true });
    expect(Array.from(back.arrays.x)).toEqual(Array.from(x));
  });

  it('reports a damaged or truncated raw payload as corrupt instead of returning wrong numbers', () => {
    const file = encodeArrays({ x });
    const flipped = Uint8Array.from(file);
    flipped[flipped.length - 100] ^= 0xff;
    expect(() => decodeArrays(flipped, 'gen-3.bin')).toThrow('gen-3.bin is corrupt (checksum mismatch)');
    expect(() => decodeArrays(file.subarray(0, file.length - 8), 'gen-3.bin')).toThrow(
      'gen-3.bin is corrupt (checksum mismatch)',
    );
  });

  it('names an unknown compression in the header', () => {
    const file = Buffer.from(encodeArrays({ x }));
    const len = file.readUInt32LE(MAGIC.length);
    const text = file.toString('utf8', MAGIC.length + 4, MAGIC.length + 4 + len).replace('"none"', '"zstd"');
    const h = Buffer.from(text, 'utf8');
    const out = Buffer.concat([file.subarray(0, MAGIC.length + 4), h, file.subarray(MAGIC.length + 4 + len)]);
    out.writeUInt32LE(h.length, MAGIC.length);
    expect(() => decodeArrays(out, 'c.bin')).toThrow("c.bin is corrupt (unknown compression 'zstd')");
  });

  it('encodes a raw payload as chunks that are views of the arrays themselves, equal to the one-buffer form', () => {
    const chunks = encodeArrayChunks({ x, y }, { kind: 'synthetic' });
    expect(Buffer.concat(chunks).equals(Buffer.from(encodeArrays({ x, y }, { kind: 'synthetic' })))).toBe(
      true,
    );
    // No copy of the data: the chunks share the arrays' memory.
    expect(chunks.some((c) => c.buffer === x.buffer && c.byteLength === x.byteLength)).toBe(true);
    expect(chunks.some((c) => c.buffer === y.buffer && c.byteLength === y.byteLength)).toBe(true);
    // 3 bytes, then 5 bytes of zero padding, then the doubles at offset 8.
    const odd = { a: Uint8Array.from([1, 2, 3]), b: Float64Array.from([1.5, -2]) };
    const oddChunks = encodeArrayChunks(odd);
    expect(oddChunks.map((c) => c.byteLength).slice(1)).toEqual([3, 5, 16]);
    const back = decodeArrays(Buffer.concat(oddChunks));
    expect(Array.from(back.arrays.a)).toEqual([1, 2, 3]);
    expect(Array.from(back.arrays.b)).toEqual([1.5, -2]);
  });

  it('hashes and writes chunks as their concatenation, atomically', () => {
    const parts = [Uint8Array.from([1, 2, 3]), new Uint8Array(0), Uint8Array.from([4, 5])];
    const whole = Uint8Array.from([1, 2, 3, 4, 5]);
    expect(sha256(parts)).toBe(sha256(whole));
    expect(sha256(parts)).toBe(createHash('sha256').update(whole).digest('hex'));
    const dir = tempDir();
    writeFileAtomic(join(dir, 'out.bin'), parts);
    expect(Array.from(readFileSync(join(dir, 'out.bin')))).toEqual([1, 2, 3, 4, 5]);
    expect(readdirSync(dir)).toEqual(['out.bin']); // no temp file left behind
    expect(existsSync(join(dir, 'out.bin'))).toBe(true);
  });
});
