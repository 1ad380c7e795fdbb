/**
 * Errors crossing a thread or a machine: a `BiasloopError` must arrive as a `BiasloopError` (same
 * kind, same one-line message), so the CLI still prints one line and the right exit code.
 */
import { BiasloopError, type ErrorKind } from './errors.ts';

export interface WireError {
  readonly biasloop: boolean;
  readonly kind?: ErrorKind;
  readonly message: string;
  readonly stack?: string;
}

export function serializeError(e: unknown): WireError {
  if (e instanceof BiasloopError) return { biasloop: true, kind: e.kind, message: e.message };
  const err = e instanceof Error ? e : new Error(String(e));
  return { biasloop: false, message: err.message, ...(err.stack ? { stack: err.stack } : {}) };
}

export function deserializeError(w: WireError): Error {
  if (w.biasloop && w.kind) return new BiasloopError(w.kind, w.message);
  const err = new Error(w.message);
  if (w.stack) err.stack = w.stack;
  return err;
}
