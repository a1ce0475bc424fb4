export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** Where a value stops being storable JSON, e.g. `{ path: '$.a[2]', problem: 'is undefined' }`. */
export interface JsonProblem {
  path: string;
  problem: string;
}

export interface JsonCheckOptions {
  /** accept bigint (Python JSON stores any integer exactly); default false */
  bigint?: boolean;
  /** accept NaN and ±Infinity (Python JSON writes them as bare words); default false */
  nonFinite?: boolean;
}

/**
 * The first part of `value` that JSON cannot store as given: undefined, functions, symbols, Map,
 * Set, class instances (Date, typed arrays...) and cycles — values `JSON.stringify` would silently
 * drop or change — plus bigint and non-finite numbers unless allowed. Only plain objects (prototype
 * Object.prototype or null) and arrays are containers. Returns undefined when the value is fine.
 */
export function findJsonProblem(value: unknown, options: JsonCheckOptions = {}): JsonProblem | undefined {
  return visit(value, '$', options, new Set());
}

function visit(value: unknown, path: string, options: JsonCheckOptions, ancestors: Set<object>): JsonProblem | undefined {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return undefined;
    case 'number':
      return Number.isFinite(value) || options.nonFinite === true ? undefined : { path, problem: `is ${value}, which JSON cannot store` };
    case 'bigint':
      return options.bigint === true ? undefined : { path, problem: `is the bigint ${value}n, which JSON cannot store; convert it to a number or a string` };
    case 'undefined':
      return { path, problem: 'is undefined; use null or leave the property out' };
    case 'function':
      return { path, problem: 'is a function, which JSON cannot store' };
    case 'symbol':
      return { path, problem: 'is a symbol, which JSON cannot store' };
  }
  if (value === null) return undefined;
  const object = value as object;
  if (ancestors.has(object)) return { path, problem: 'refers back to a containing object (a cycle), which JSON cannot store' };
  if (Array.isArray(object)) {
    ancestors.add(object);
    for (let index = 0; index < object.length; index++) {
      // A hole reads as undefined and is reported as such.
      const problem = visit(object[index], `${path}[${index}]`, options, ancestors);
      if (problem !== undefined) return problem;
    }
    ancestors.delete(object);
    return undefined;
  }
  const prototype = Object.getPrototypeOf(object);
  if (prototype !== Object.prototype && prototype !== null) {
    const name = (object as { constructor?: { name?: string } }).constructor?.name ?? 'an unknown class';
    const hint = object instanceof Map ? ' (use Object.fromEntries(map))' : object instanceof Set ? ' (use [...set])' : object instanceof Date ? ' (use date.toISOString())' : '';
    return { path, problem: `is a ${name}, not a plain object or array; convert it first${hint}` };
  }
  ancestors.add(object);
  for (const key of Object.keys(object)) {
    const problem = visit((object as Record<string, unknown>)[key], `${path}${propertyPath(key)}`, options, ancestors);
    if (problem !== undefined) return problem;
  }
  ancestors.delete(object);
  return undefined;
}

function propertyPath(key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}
