/**
 * TypeScript declarations of `k6/x/lambda`, the xk6-lambda extension:
 * AWS Lambda Invoke from k6 scripts, a drop-in for k6-jslib-aws's
 * `LambdaClient.invoke` with the same names, options, fields and error
 * classes; and response streaming (`invokeWithResponseStream`) and
 * function URLs (`invokeUrl`), each chunk handed to the script as it
 * arrives.
 *
 * k6 runs TypeScript itself. For editors and `tsc`, map the module to this
 * file in tsconfig.json:
 *
 * ```json
 * { "compilerOptions": { "paths": { "k6/x/lambda": ["./index.d.ts"] } } }
 * ```
 *
 * The option types are exact: a misspelt option or an invalid value is a
 * type error, as it is a runtime error (InvalidInvocationError) in k6.
 */

/** The AWS settings a client signs and sends with (k6-jslib-aws's `AWSConfig` options). */
export interface AWSConfigOptions {
  /**
   * The AWS region, e.g. `us-east-1`. Required when keys are given. Without
   * keys it may be left out: the AWS region chain (`AWS_REGION`,
   * `AWS_DEFAULT_REGION`, the profile) decides at the first invocation, so
   * `k6 inspect` and `k6 archive` pass with nothing set; when the chain has
   * none either, invocations reject with {@link InvalidAWSConfigError}.
   */
  region?: string;
  /** Access key ID, 16 to 128 characters, with `secretAccessKey`. Without both, the standard AWS credential chain applies. */
  accessKeyId?: string;
  /** Secret access key, with `accessKeyId`. */
  secretAccessKey?: string;
  /** Session token of temporary credentials. */
  sessionToken?: string;
  /**
   * The endpoint: a URL (`http://127.0.0.1:9000` for a local emulator,
   * `https://host`) or a bare host name (taken as `https://`). Default: the
   * region's Lambda endpoint, or `AWS_ENDPOINT_URL_LAMBDA` / `AWS_ENDPOINT_URL`.
   */
  endpoint?: string | { href: string };
}

/** AWS settings, validated when constructed (no I/O). */
export class AWSConfig {
  /** @throws {InvalidAWSConfigError} on an invalid region, key or endpoint. */
  constructor(options?: AWSConfigOptions);
  /** The region given, or `''` when the AWS chain decides. */
  readonly region: string;
  readonly accessKeyId?: string;
  readonly secretAccessKey?: string;
  readonly sessionToken?: string;
  readonly endpoint?: string;
  /**
   * An AWSConfig from `__ENV` (so `k6 run -e` counts): `AWS_REGION`,
   * `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`.
   */
  static fromEnvironment(options?: { endpoint?: string | { href: string } }): AWSConfig;
}

/** How invocations are sent. */
export type Transport = 'direct' | 'sdk';

/** A function's instruction set architecture, as Lambda names it. */
export type Architecture = 'x86_64' | 'arm64';

/**
 * The prices `lambda_cost_usd` counts with. An invocation with a REPORT
 * (`logType: 'Tail'`) costs `billedDurationMs / 1000 × memorySizeMB / 1024
 * × usdPerGbSecond + usdPerMillionRequests / 1e6` (AWS bills memory as
 * MB/1024 GB). The defaults are us-east-1's on-demand prices, first pricing
 * tier, without the free tier. Each price is a finite number, 0 or more.
 */
export interface Pricing {
  /** Whose default prices: `'x86_64'` (default) or `'arm64'`. */
  architecture?: Architecture;
  /** USD per GB-second of billed duration. Default 0.0000166667 (x86_64), 0.0000133334 (arm64). */
  usdPerGbSecond?: number;
  /** USD per million requests. Default 0.20. */
  usdPerMillionRequests?: number;
}

/** The second argument of `new LambdaClient`. */
export interface LambdaClientOptions {
  /** Bound on one invocation, retries included: milliseconds, or a duration string (`'30s'`). Default 60 s. */
  timeout?: number | string;
  /**
   * Attempts per invocation, 1 to 10. Default 1: retries would hide
   * throttling from a load test. With more, throttling, 5xx and network
   * errors are retried after `Retry-After` or a full-jitter backoff.
   */
  maxAttempts?: number;
  /**
   * `'direct'` (default): one SigV4-signed request on a pooled HTTP/1.1
   * client. `'sdk'`: aws-sdk-lambda's full orchestration (FIPS and
   * dual-stack endpoints). Both report alike.
   */
  transport?: Transport;
  /**
   * The prices of the `lambda_cost_usd` metric (what the test cost, from
   * each invocation's REPORT): an architecture's defaults, and any price
   * given instead of its default.
   */
  pricing?: Pricing;
}

/** `RequestResponse` (default, 200), `Event` (asynchronous, 202) or `DryRun` (204). */
export type InvocationType = 'RequestResponse' | 'Event' | 'DryRun';

/** `Tail` returns the last 4 KB of the function's log in `logResult`. */
export type LogType = 'None' | 'Tail';

/** The third argument of `invoke`, as k6-jslib-aws has it, plus `tags`. */
export interface InvokeOptions {
  /** Default `RequestResponse`. */
  invocationType?: InvocationType;
  /** Default `None`. */
  logType?: LogType;
  /** Base64 client context (`X-Amz-Client-Context`), at most 3,583 bytes. */
  clientContext?: string;
  /** A version or alias; also accepted as the name's `:qualifier` suffix. */
  qualifier?: string;
  /**
   * The tenant of a function in tenant isolation mode (`X-Amz-Tenant-Id`):
   * 1 to 256 of letters, digits, spaces and `. _ : / = + - @`, not beginning
   * or ending with a space. Such a function refuses a call without one, any
   * other function a call with one (`InvalidParameterValueException`).
   */
  tenantId?: string;
  /**
   * The execution of a durable function (`X-Amz-Durable-Execution-Name`):
   * 1 to 64 of letters, digits, `-` and `_`. The same name with the same
   * payload returns the same execution; with another payload the call
   * rejects with `DurableExecutionAlreadyStartedException` (409).
   */
  durableExecutionName?: string;
  /** k6 tags of this invocation's samples (not sent), as `http.post`'s `params.tags`. */
  tags?: Record<string, string>;
}

/** A payload: a string or ArrayBuffer is sent byte for byte; a plain object or array as its JSON text. */
export type Payload = string | ArrayBuffer | Record<string, unknown> | unknown[] | null | undefined;

/** Lambda's REPORT line, parsed from the log tail (`logType: 'Tail'`). */
export interface InvocationReport {
  durationMs: number;
  billedDurationMs: number;
  memorySizeMB: number;
  maxMemoryUsedMB: number;
  /** On cold starts that ran an Init only (not on a SnapStart restore). */
  initDurationMs?: number;
  /** SnapStart: on the invocation that restored a new execution environment from the snapshot. */
  restoreDurationMs?: number;
  /** SnapStart: the billed part of the restore (loading the runtime, the after-restore hooks). */
  billedRestoreDurationMs?: number;
}

/** What `invoke` fulfils with (k6-jslib-aws's InvocationResponse, plus `report`). */
export interface InvocationResponse {
  /** 200 (RequestResponse), 202 (Event), 204 (DryRun). */
  statusCode: number;
  /** `X-Amz-Executed-Version`, when Lambda sent it. */
  executedVersion?: string;
  /** The decoded log tail, with `logType: 'Tail'`. */
  logResult?: string;
  /** The function's response body, as text: compare with `'3'` or `JSON.parse(r.payload)`. */
  payload: string;
  /** The parsed REPORT line, with `logType: 'Tail'`. */
  report?: InvocationReport;
  /** `X-Amz-Durable-Execution-Arn`: present only when Lambda sent it (a durable function's execution). */
  durableExecutionArn?: string;
}

/**
 * Called with each piece of a streamed answer as it arrives, on the VU's
 * event loop (as the rest of the script: `check` and the other k6 APIs
 * work there), in order, once per piece, every call before the promise
 * settles. For `invokeWithResponseStream` a piece is one `PayloadChunk`
 * event; for `invokeUrl`, a piece of the HTTP body as it arrived. If the
 * callback throws, the call is cancelled and the promise rejects with
 * what it threw.
 */
export type OnChunk = (chunk: ArrayBuffer) => void;

/** The invocation types of InvokeWithResponseStream: `Event` is not one. */
export type StreamInvocationType = 'RequestResponse' | 'DryRun';

/** The third argument of `invokeWithResponseStream`: `invoke`'s options, less `Event`, plus `onChunk`. */
export interface InvokeWithResponseStreamOptions {
  /** Default `RequestResponse`. `Event` is refused before sending ({@link InvalidInvocationError}). */
  invocationType?: StreamInvocationType;
  /** Default `None`. `Tail` returns the log tail (with its REPORT) from the stream's InvokeComplete. */
  logType?: LogType;
  /** Base64 client context (`X-Amz-Client-Context`), at most 3,583 bytes. */
  clientContext?: string;
  /** A version or alias; also accepted as the name's `:qualifier` suffix. */
  qualifier?: string;
  /** As `invoke`'s. (The operation has no `durableExecutionName`: it is refused.) */
  tenantId?: string;
  /** k6 tags of this invocation's samples (not sent). */
  tags?: Record<string, string>;
  /** Each PayloadChunk's bytes, as it arrives. */
  onChunk?: OnChunk;
}

/** What `invokeWithResponseStream` fulfils with: `invoke`'s fields, plus what the stream was. */
export interface StreamingInvocationResponse extends Omit<InvocationResponse, 'durableExecutionArn'> {
  /** 200, or 204 for DryRun (no stream). */
  statusCode: number;
  /** The function's content type (`X-Amzn-Remapped-Content-Type`), e.g. `application/octet-stream`. */
  contentType?: string;
  /** Every chunk's bytes joined, as text (UTF-8). */
  payload: string;
  /** How many PayloadChunk events came. */
  chunks: number;
  /** Milliseconds from the call's start to the first chunk; `undefined` when none came. */
  timeToFirstChunkMs?: number;
  /** The decoded log tail of the InvokeComplete, with `logType: 'Tail'`. */
  logResult?: string;
  /** The parsed REPORT line of that log. */
  report?: InvocationReport;
}

/** The HTTP methods of a function URL request, in upper or lower case (sent, and tagged, in upper case). */
export type FunctionUrlMethod =
  | 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS'
  | 'get' | 'head' | 'post' | 'put' | 'patch' | 'delete' | 'options';

/**
 * The headers the signature or HTTP framing sets, which a request cannot
 * set (refused, in any case, before sending).
 */
export type ReservedFunctionUrlHeader =
  | 'Host'
  | 'Authorization'
  | 'X-Amz-Date'
  | 'X-Amz-Security-Token'
  | 'X-Amz-Content-Sha256'
  | 'Content-Length'
  | 'Transfer-Encoding'
  | 'Connection'
  | 'Upgrade';

/** Request headers of a function URL call: any but the reserved ones (as written here or in lower case). */
export type FunctionUrlHeaders = Record<string, string> & {
  [name in ReservedFunctionUrlHeader | Lowercase<ReservedFunctionUrlHeader>]?: never;
};

/** The second argument of `invokeUrl`. */
export interface FunctionUrlParams {
  /** Default `GET`, or `POST` when a body is given. */
  method?: FunctionUrlMethod;
  /** The request body, sent byte for byte (a string as UTF-8; a plain object as its JSON text). Default: none. */
  body?: string | ArrayBuffer | object;
  /** Request headers, signed with the request. */
  headers?: FunctionUrlHeaders;
  /** k6 tags of this call's samples (not sent). */
  tags?: Record<string, string>;
  /** Each piece of the body, as it arrives. */
  onChunk?: OnChunk;
}

/** What `invokeUrl` fulfils with: any HTTP answer, 4xx and 5xx included. */
export interface FunctionUrlResponse {
  /** The HTTP status. */
  statusCode: number;
  /** The response headers: lower-case names; a repeated header's values joined with `", "`. */
  headers: Record<string, string>;
  /** The body, as text (UTF-8). */
  payload: string;
  /** How many pieces the body came in (what `onChunk` was called with). */
  chunks: number;
  /** Milliseconds from the call's start to the first piece of the body; `undefined` for an empty body. */
  timeToFirstChunkMs?: number;
}

/** A Lambda client. Clients with one configuration share one connection pool. */
export class LambdaClient {
  /**
   * @throws {TypeError} when `awsConfig` is not an object, or an option is unknown or invalid.
   * @throws {InvalidAWSConfigError} when the configuration is invalid, or
   * an option's value cannot be (an unknown transport or architecture, a
   * negative or infinite price).
   */
  constructor(awsConfig: AWSConfig | AWSConfigOptions, options?: LambdaClientOptions);
  /**
   * Invokes a function (Lambda's Invoke API). Rejects with
   * {@link LambdaInvocationError} when the function failed,
   * {@link AWSError} when Lambda answered with an error,
   * {@link NetworkError} when no complete answer arrived (and
   * `GeneralError` 1000 when the answer's body is over the 6 MB Lambda
   * answers with, 6,291,556 bytes: it is not read further),
   * {@link CredentialsError} when there were no credentials to sign with,
   * {@link InvalidInvocationError} when the call was refused before
   * sending, and an `Error` named `CancelledError` when the VU stopped.
   * @param name function name, ARN or partial ARN, with an optional
   * `:qualifier`; not `.` or `..`
   * @throws {Error} in the init context, where k6 allows no I/O.
   */
  invoke(name: string, payload: Payload, options?: InvokeOptions): Promise<InvocationResponse>;
  /**
   * Invokes a function with Lambda's InvokeWithResponseStream: `onChunk`
   * gets each chunk as it arrives, and the promise fulfils once the
   * stream's InvokeComplete came. Rejects as `invoke` does, and with
   * {@link LambdaInvocationError} when the InvokeComplete has an
   * ErrorCode (its `response` holds what was streamed before), a
   * {@link NetworkError} (`GeneralError`) when the stream broke (a bad
   * CRC, a frame cut short or over 16 MiB, no InvokeComplete, the
   * client's timeout, a payload over the 200 MB Lambda streams at most,
   * 209,715,200 bytes: not read further) or an
   * {@link AWSError} for an exception message in the stream, whose
   * messages say how many chunks came before; with what `onChunk` threw.
   * @param name function name, ARN or partial ARN, with an optional `:qualifier`
   * @throws {Error} in the init context, where k6 allows no I/O.
   */
  invokeWithResponseStream(
    name: string,
    payload: Payload,
    options?: InvokeWithResponseStreamOptions,
  ): Promise<StreamingInvocationResponse>;
  /**
   * An HTTP request to a Lambda function URL with IAM auth, SigV4-signed
   * (service `lambda`) with this client's credentials, for the region of
   * the URL's host (`<id>.lambda-url.<region>.on.aws`; else the client's), its
   * body read as it arrives. Any HTTP answer fulfils (4xx and 5xx too, as
   * `http.request` does); no answer rejects with a {@link NetworkError}
   * (`GeneralError` 1000 too for a body over the 200 MB Lambda streams
   * at most, 209,715,200 bytes: not read further); reserved headers and
   * other bad parameters (a URL with user information among them) are
   * refused before sending.
   * @param url the function URL with any path and query, e.g. `https://abc.lambda-url.eu-west-1.on.aws/items?id=1`
   * @throws {Error} in the init context, where k6 allows no I/O.
   */
  invokeUrl(url: string, params?: FunctionUrlParams): Promise<FunctionUrlResponse>;
}

/**
 * One of the example events of the `aws_lambda_events` crate (about 170:
 * `apigw-request`, `sqs-event`, `s3-event`, ...), as a string.
 * @throws {InvalidInvocationError} for an unknown name, listing close matches.
 */
export function exampleEvent(name: string): string;

/**
 * What the extension's native library holds, for the whole k6 process
 * (not per VU). Diagnostic: for a leak check in `teardown()`, once every
 * invocation has settled, `inFlight`, `completions`, `invocations` and
 * `strings` are 0 (an invocation settling at that very moment may still
 * be counted for a few milliseconds: poll briefly). `queues` is 1 once
 * anything was invoked (one queue per process, kept for its life), and
 * `clients` counts the `LambdaClient` objects the garbage collector has
 * not yet freed, those of every VU included.
 */
export function liveCounts(): LiveCounts;

/** The counts of {@link liveCounts}: each is what was handed over minus what was freed. */
export interface LiveCounts {
  /** Native client handles: one per `LambdaClient` not yet garbage collected. */
  clients: number;
  /** Completion queues: 1 once anything was invoked. */
  queues: number;
  /** Invocation handles not yet released (released when the completion arrives). */
  invocations: number;
  /** Invocations started whose completion has not arrived yet. */
  inFlight: number;
  /** Completions produced by the library and not yet freed by the extension. */
  completions: number;
  /** Error texts handed over by the library and not yet freed. */
  strings: number;
}

/**
 * Lambda answered with an error. `name` is the AWS error type
 * (`ResourceNotFoundException`, ...). Its `message` keeps at most 4 KiB of
 * what the answer said (64 KiB of its body are read), and says when it was
 * cut.
 */
export class AWSError extends Error {
  constructor(message: string, code: string);
  /** The AWS error type. */
  code: string;
  /** The HTTP status of the answer. */
  statusCode?: number;
  /** `X-Amzn-RequestId`. */
  requestId?: string;
  /** Throttling (429): `Retry-After`, in seconds. */
  retryAfterSeconds?: number;
  /** Throttling (429): why, e.g. `ReservedFunctionConcurrentInvocationLimitExceeded`. */
  reason?: string;
}

/** Lambda refused the signature or the credentials. */
export class InvalidSignatureError extends AWSError {}

/**
 * An invalid `AWSConfig` (thrown by its constructor), or, at the first
 * invocation, no region from the script or the AWS chain.
 */
export class InvalidAWSConfigError extends Error {
  constructor(message: string);
}

/**
 * The function failed. From `invoke` (`X-Amz-Function-Error`): `message`
 * is `"<Handled|Unhandled>: <payload>"`. From `invokeWithResponseStream`
 * (an InvokeComplete with an ErrorCode): `message` is
 * `"<ErrorCode>: <ErrorDetails>"`, and `response` is a
 * {@link StreamingInvocationResponse} of what was streamed before.
 */
export class LambdaInvocationError extends Error {
  constructor(message: string, response: InvocationResponse | StreamingInvocationResponse);
  /** The whole response (of a stream: what came before the error). */
  response: InvocationResponse | StreamingInvocationResponse;
  /** `Handled` or `Unhandled`; from a stream, the InvokeComplete's ErrorCode (e.g. `Runtime.ExitError`). */
  functionError?: string;
  /** The runtime's `errorType`, when the payload (or ErrorDetails) is its JSON error. */
  errorType?: string;
  /** The runtime's `errorMessage`, when the payload (or ErrorDetails) is its JSON error. */
  errorMessage?: string;
}

/** The name of a network error, as k6 names its HTTP errors. */
export type NetworkErrorName = 'TCPError' | 'DNSError' | 'TLSError' | 'GeneralError' | 'HTTP2Error';

/**
 * No complete answer arrived: refused, reset, timed out, unknown host, a
 * TLS failure. `code` is k6's network error code (1212 refused, 1220 reset,
 * 1050 timeout, 1310 unknown certificate authority). Thrown as one of the
 * subclasses below, k6-jslib-aws's.
 */
export class NetworkError extends Error {
  constructor(message: string, name: NetworkErrorName, code: number);
  name: NetworkErrorName;
  code: number;
}

/**
 * The answer could not be read, or was over what Lambda sends (1000); or
 * the client's timeout passed (1050).
 */
export class GeneralError extends NetworkError {
  constructor(message: string, code: number);
  name: 'GeneralError';
}

/** The host name did not resolve (1100). */
export class DNSError extends NetworkError {
  constructor(message: string, code: number);
  name: 'DNSError';
}

/** Refused (1212), reset (1220), broken pipe (1201), dial timeout (1211), other (1200). */
export class TCPError extends NetworkError {
  constructor(message: string, code: number);
  name: 'TCPError';
}

/** Unknown authority (1310), wrong host name (1311), other TLS failure (1300). */
export class TLSError extends NetworkError {
  constructor(message: string, code: number);
  name: 'TLSError';
}

/** Not raised by this extension (it speaks HTTP/1.1); exported for k6-jslib-aws scripts. */
export class HTTP2Error extends NetworkError {
  constructor(message: string, code: number);
  name: 'HTTP2Error';
}

/**
 * No credentials to sign with: the AWS chain found none, or a provider
 * failed (a `credential_process` by its exit status: what it wrote to
 * stderr is not shown, since it may hold a secret).
 */
export class CredentialsError extends Error {
  constructor(message: string, code: string);
  name: 'CredentialsError';
  code: string;
}

/** The call was refused before anything was sent. */
export class InvalidInvocationError extends Error {
  constructor(message: string, field: string);
  /** The argument or option at fault. */
  field: string;
}
