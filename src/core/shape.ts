/** Strict reading of untrusted JSON objects at a boundary: exact fields, each through its reader. */

/** Reads one field; throws the boundary's own error when the value is wrong. */
export type Reader<T> = (value: unknown, name: string) => T;

export type Shape<T> = { [K in keyof T]-?: Reader<Exclude<T[K], undefined>> };

/**
 * An object with exactly the fields of `shape` (those in `optional` may be
 * absent): unknown and missing fields throw `fail(message)`.
 */
export function readShape<T extends object>(
  value: unknown,
  name: string,
  shape: Shape<T>,
  optional: ReadonlyArray<keyof T>,
  fail: (message: string) => Error,
): T {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw fail(`${name} must be a JSON object.`);
  const source = value as Record<string, unknown>;
  for (const key of Object.keys(source)) {
    if (!Object.hasOwn(shape, key)) throw fail(`Unknown field ${JSON.stringify(key.slice(0, 64))}.`);
  }
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(shape) as Array<keyof T & string>) {
    if (!Object.hasOwn(source, key) || source[key] === undefined) {
      if (optional.includes(key)) continue;
      throw fail(`Missing field ${key}.`);
    }
    out[key] = shape[key](source[key], key);
  }
  return out as T;
}
