/**
 * Every failure of an S3 request as the ByteSourceError the contract asks for (code, `retryable`,
 * status), with a message naming the bucket, the key and the fix. Messages never carry credentials:
 * they are built from the operation, the location, the target (endpoint without user info, or
 * region) and the SDK's error name and message.
 */
import { ByteSourceError, describeIdentity, type RemoteObjectIdentity } from '@tessera/core';
import type { S3Location } from './s3-location.js';

/** What was asked when a request failed. */
export interface S3RequestContext {
  location: S3Location;
  /** `HeadObject` or `GetObject bytes=a-b`. */
  operation: string;
  /** `describeTarget(options)`: where the client sends requests. */
  target: string;
  offset?: number;
  byteLength?: number;
  identity?: RemoteObjectIdentity;
  /** The caller's signal: aborted means the caller gave up (not retryable). */
  signal?: AbortSignal;
  /** The request's own deadline: aborted means requestTimeoutMs passed (retryable). */
  timeout: AbortSignal;
  timeoutMs: number;
  /** Bytes of the body received before the failure, when it failed while reading the body. */
  bytesReceived?: number;
}

const CREDENTIALS_FIX =
  'check the credentials (s3({ credentials }), or the SDK chain: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN, AWS_PROFILE and ~/.aws/credentials, SSO, instance or container roles)';
const DENIED_NAMES = new Set(['AccessDenied', 'Forbidden', 'AllAccessDisabled', 'AccountProblem', 'InvalidAccessKeyId', 'SignatureDoesNotMatch', 'InvalidToken', 'ExpiredToken', 'TokenRefreshRequired']);
const RETRYABLE_NAMES = new Set([
  'SlowDown',
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestThrottled',
  'RequestThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestTimeout',
  'RequestTimeoutException',
  'InternalError',
  'ServiceUnavailable',
  'TimeoutError',
]);
const NETWORK_CODES = /^(ECONNRESET|ECONNREFUSED|ECONNABORTED|EPIPE|ETIMEDOUT|EAI_AGAIN|ENOTFOUND|EHOSTUNREACH|ENETUNREACH|ENETDOWN|ERR_STREAM_PREMATURE_CLOSE|UND_ERR)/;

/** The ByteSourceError for anything a HeadObject or GetObject (or reading its body) threw. */
export function s3RequestError(error: unknown, context: S3RequestContext): ByteSourceError {
  if (error instanceof ByteSourceError) return error;
  const { location, operation, target } = context;
  const where = whereOf(context);
  const received = context.bytesReceived === undefined ? '' : ` after ${context.bytesReceived} of ${context.byteLength} bytes of the body`;
  if (context.timeout.aborted && !(context.signal?.aborted ?? false)) {
    return new ByteSourceError('E_REMOTE', `${operation} ${location.url} got no complete answer within ${context.timeoutMs} ms${received} from ${target} (s3({ requestTimeoutMs }) raises the limit)`, {
      ...where,
      retryable: true,
      cause: error,
    });
  }
  if (context.signal?.aborted) {
    const reason = context.signal.reason instanceof Error ? `: ${context.signal.reason.message}` : '';
    return new ByteSourceError('E_REMOTE', `${operation} ${location.url} was aborted${received}${reason}`, { ...where, retryable: false, cause: error });
  }

  const { name, message, status, code, sdkRetryable } = describeSdkError(error);
  const said = `${name}${message !== '' && message !== name && message !== 'UnknownError' ? `: ${message}` : ''}`;
  // "NoSuchKey: …, 404, endpoint …": what S3 said, the status unless the name already is it, and where.
  const reported = [said, status === undefined || said.includes(String(status)) ? undefined : String(status), target].filter((part) => part !== undefined).join(', ');
  const details = { ...where, ...(status === undefined ? {} : { status }), cause: error };

  if (status === 412 || name === 'PreconditionFailed') {
    const opened = context.identity === undefined ? '' : ` (${describeIdentity(context.identity)})`;
    return new ByteSourceError('E_REMOTE_CHANGED', `${location.url} changed since it was opened${opened}: S3 refused the precondition (412 PreconditionFailed); reopen the dataset to read the new object`, details);
  }
  if (name === 'NoSuchKey') {
    return new ByteSourceError('E_REMOTE', `${operation}: bucket '${location.bucket}' has no object '${location.key}' (NoSuchKey, ${target}): check the key (\`aws s3 ls s3://${location.bucket}/\` lists them)`, details);
  }
  if (name === 'NoSuchBucket') {
    return new ByteSourceError('E_REMOTE', `${operation} ${location.url}: there is no bucket '${location.bucket}' (NoSuchBucket, ${target}): check the bucket name, and the region or endpoint`, details);
  }
  if (status === 404) {
    return new ByteSourceError(
      'E_REMOTE',
      `${operation} ${location.url}: not found (${reported}): bucket '${location.bucket}' or its key '${location.key}' does not exist; check both, and the region or endpoint`,
      details,
    );
  }
  if (status === 403 || DENIED_NAMES.has(name)) {
    const expired = name === 'ExpiredToken' || name === 'TokenRefreshRequired' ? 'the session token expired: refresh the credentials; ' : '';
    return new ByteSourceError(
      'E_REMOTE',
      `${operation} ${location.url}: access denied (${reported}): ${expired}${CREDENTIALS_FIX}, that they allow s3:GetObject on bucket '${location.bucket}', and the region or endpoint`,
      details,
    );
  }
  if (status === 301 || name === 'PermanentRedirect' || name === 'AuthorizationHeaderMalformed') {
    return new ByteSourceError('E_REMOTE', `${operation} ${location.url}: bucket '${location.bucket}' is not in the region asked (${reported}): pass its region, s3({ region })`, details);
  }
  if (status === 416 || name === 'InvalidRange') {
    return new ByteSourceError('E_REMOTE', `${operation} ${location.url}: the range lies past the end of the object (${said})`, details);
  }
  if (status !== undefined && (status >= 500 || status === 429 || status === 408 || RETRYABLE_NAMES.has(name) || sdkRetryable)) {
    return new ByteSourceError('E_REMOTE', `${operation} ${location.url} failed (${reported})`, { ...details, retryable: true });
  }
  if (status !== undefined) {
    return new ByteSourceError('E_REMOTE', `${operation} ${location.url} failed (${reported})`, details);
  }

  // No response: the client could not send the request, or the connection failed.
  if (name === 'CredentialsProviderError' || /could not load credentials/i.test(message)) {
    return new ByteSourceError('E_REMOTE', `${operation} ${location.url}: no AWS credentials (${said}): ${CREDENTIALS_FIX}`, details);
  }
  if (/region is missing/i.test(message)) {
    return new ByteSourceError('E_ARGUMENT', `${operation} ${location.url}: no region: pass s3({ region: 'eu-west-1' }) or set AWS_REGION (S3-compatible stores usually take 'us-east-1')`, details);
  }
  if (sdkRetryable || RETRYABLE_NAMES.has(name) || (code !== undefined && NETWORK_CODES.test(code)) || name === 'AbortError') {
    return new ByteSourceError('E_REMOTE', `${operation} ${location.url} failed${received}: ${said}${code === undefined || said.includes(code) ? '' : ` (${code})`} talking to ${target}`, {
      ...details,
      retryable: true,
    });
  }
  return new ByteSourceError('E_REMOTE', `${operation} ${location.url} failed: ${said}${code === undefined ? '' : ` (${code})`} (${target})`, details);
}

/** A response that does not keep the contract: the wrong range, length or body. */
export function s3ProtocolError(message: string, context: Pick<S3RequestContext, 'location' | 'operation' | 'offset' | 'byteLength'>, retryable: boolean, status?: number): ByteSourceError {
  return new ByteSourceError('E_REMOTE_PROTOCOL', `${context.operation} ${context.location.url}: ${message}`, { ...whereOf(context), ...(status === undefined ? {} : { status }), retryable });
}

/** The object is no longer the one `stat` described (a store that ignores IfMatch still says so). */
export function s3ChangedError(message: string, context: Pick<S3RequestContext, 'location' | 'operation' | 'offset' | 'byteLength'>, status?: number): ByteSourceError {
  return new ByteSourceError('E_REMOTE_CHANGED', `${context.location.url} changed since it was opened (${message}); reopen the dataset to read the new object`, {
    ...whereOf(context),
    ...(status === undefined ? {} : { status }),
  });
}

function whereOf(context: Pick<S3RequestContext, 'location' | 'offset' | 'byteLength'>) {
  return {
    url: context.location.url,
    ...(context.offset === undefined ? {} : { offset: context.offset }),
    ...(context.byteLength === undefined ? {} : { byteLength: context.byteLength }),
  };
}

/** The parts of an SDK error (S3ServiceException, a Node socket error, a credentials error) that matter. */
function describeSdkError(error: unknown): { name: string; message: string; status?: number; code?: string; sdkRetryable: boolean } {
  const value = (typeof error === 'object' && error !== null ? error : {}) as {
    name?: unknown;
    message?: unknown;
    code?: unknown;
    Code?: unknown;
    cause?: { code?: unknown };
    $metadata?: { httpStatusCode?: unknown };
    $retryable?: unknown;
  };
  const status = typeof value.$metadata?.httpStatusCode === 'number' ? value.$metadata.httpStatusCode : undefined;
  const rawCode = typeof value.code === 'string' ? value.code : typeof value.cause?.code === 'string' ? value.cause.code : undefined;
  const name = typeof value.Code === 'string' ? value.Code : typeof value.name === 'string' && value.name !== 'Error' && value.name !== 'Unknown' ? value.name : (rawCode ?? (status === undefined ? 'Error' : `HTTP ${status}`));
  const message = (typeof value.message === 'string' ? value.message : error instanceof Error ? error.message : String(error)).replace(/\.$/, '');
  return { name, message, ...(status === undefined ? {} : { status }), ...(rawCode === undefined ? {} : { code: rawCode }), sdkRetryable: value.$retryable !== undefined && value.$retryable !== null };
}
