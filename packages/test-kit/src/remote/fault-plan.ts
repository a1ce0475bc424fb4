/**
 * The faults startFaultProxy can inject (plain data: it crosses to the proxy's worker thread). Each count applies to the next N matching requests and
 * then turns itself off; `remainingFaults()` shows what is left. When several counts are set, a
 * matching request takes the first kind in FAULT_KINDS order that has a count left, so
 * `{ status500: 1, truncateBody: 1 }` fails the next request with 500 and truncates the one after.
 */
export interface FaultPlan {
  /** Answer 500 without forwarding. */
  status500?: number;
  /** Answer 503 with `Retry-After: retryAfterSeconds` without forwarding. */
  status503WithRetryAfter?: number;
  /** The Retry-After value of status503WithRetryAfter, in seconds; default 1. */
  retryAfterSeconds?: number;
  /** Reset the TCP connection (RST) before any response byte. */
  resetConnection?: number;
  /**
   * Forward the response head unchanged (Content-Length included), then only the first half of
   * the body (floor(Content-Length / 2) bytes), then destroy the connection. Without a
   * Content-Length the body is cut after half of its first chunk.
   */
  truncateBody?: number;
  /**
   * Forward the response with its body unchanged but its `Content-Range: bytes a-b/size` shifted
   * by one byte (`bytes a+1-b+1/size`, or `a-1-b-1` when b is the last byte and a > 0; a range
   * of the whole file, `0-(size-1)`, moves forward past the end). A response without a
   * Content-Range passes unchanged (the count is still used).
   */
  wrongContentRange?: number;
  /** Accept the request and never answer, until the client gives up or the proxy closes. */
  stall?: number;
  /**
   * Whether faults apply only to GET requests with a Range header (default true), so HEAD and
   * whole-object GETs pass and a client can still learn the size.
   */
  onlyForRanges?: boolean;
}

/** Fault kinds, in the order a request takes them when several are pending. */
export const FAULT_KINDS = ['stall', 'resetConnection', 'status500', 'status503WithRetryAfter', 'truncateBody', 'wrongContentRange'] as const;

export type FaultKind = (typeof FAULT_KINDS)[number];

/** Every name a FaultPlan may hold (anything else is a typo, refused). */
export const FAULT_PLAN_OPTIONS = [...FAULT_KINDS, 'retryAfterSeconds', 'onlyForRanges'] as const;

/** How many requests each fault kind will still hit. */
export type RemainingFaults = Record<FaultKind, number>;

/** The mutable state behind setFaults / remainingFaults. */
export interface FaultSchedule {
  set(plan: FaultPlan): void;
  remaining(): RemainingFaults;
  retryAfterSeconds(): number;
  /** Takes the fault for a request (decrementing its count), or undefined to forward it untouched. */
  take(method: string, hasRange: boolean): FaultKind | undefined;
}

export function createFaultSchedule(validate: (plan: FaultPlan) => void): FaultSchedule {
  let counts = zeroCounts();
  let onlyForRanges = true;
  let retryAfter = 1;
  return {
    set(plan) {
      validate(plan);
      counts = zeroCounts();
      for (const kind of FAULT_KINDS) counts[kind] = plan[kind] ?? 0;
      onlyForRanges = plan.onlyForRanges ?? true;
      retryAfter = plan.retryAfterSeconds ?? 1;
    },
    remaining: () => ({ ...counts }),
    retryAfterSeconds: () => retryAfter,
    take(method, hasRange) {
      if (onlyForRanges && !(method === 'GET' && hasRange)) return undefined;
      const kind = FAULT_KINDS.find((candidate) => counts[candidate] > 0);
      if (kind !== undefined) counts[kind] -= 1;
      return kind;
    },
  };
}

function zeroCounts(): RemainingFaults {
  return { stall: 0, resetConnection: 0, status500: 0, status503WithRetryAfter: 0, truncateBody: 0, wrongContentRange: 0 };
}

/** `bytes a-b/size` moved one byte forward (or back when b is the last byte); other values unchanged. */
export function shiftContentRange(value: string): string {
  const match = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(value.trim());
  if (match === null) return value;
  const start = Number(match[1]);
  const end = Number(match[2]);
  const size = match[3] === '*' ? Number.POSITIVE_INFINITY : Number(match[3]);
  const shift = end + 1 < size || start === 0 ? 1 : -1;
  return `bytes ${start + shift}-${end + shift}/${match[3]}`;
}
