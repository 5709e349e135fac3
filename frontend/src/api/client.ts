/**
 * Typed client of Visio's REST API (`/api/v1`), generated from the server's
 * OpenAPI document (see `schema.gen.ts`), plus the few calls the web client
 * makes, which return data or throw an {@link ApiError}.
 */
import createClient, { type Client } from 'openapi-fetch';
import type { components, paths } from './schema.gen';

/** A meeting as the REST API returns it. */
export type Room = components['schemas']['RoomOut'];
/** Per-meeting options. */
export type RoomSettings = components['schemas']['RoomSettings'];
/** Server facts a client needs before joining (`GET /api/v1/config`). */
export type ClientConfig = components['schemas']['ClientConfig'];
/** The typed openapi-fetch client for every path of the API. */
export type ApiClient = Client<paths>;

/**
 * A failed API call.
 *
 * `code` is the server's stable error code (`room_not_found`,
 * `validation_failed`, …) when the server answered with its error body; for
 * failures without one it is `network_error` (no answer, `status` 0) or
 * `http_error` (an answer that is not Visio's error shape).
 */
export class ApiError extends Error {
  override readonly name = 'ApiError';

  constructor(
    /** HTTP status, or 0 when no answer arrived. */
    readonly status: number,
    /** Stable machine-readable code. */
    readonly code: string,
    message: string,
    /** Extra data for some codes (for `validation_failed`, the problems). */
    readonly details: Readonly<Record<string, unknown>> | null = null,
  ) {
    super(message);
  }
}

/** Options of {@link createApiClient}. */
export interface ApiClientOptions {
  /** Root URL of the server; `''` (the default) means the page's own origin. */
  baseUrl?: string;
  /** A `fetch` to use instead of the global one (tests). */
  fetch?: (request: Request) => Promise<Response>;
}

/** Makes a typed API client. The web client uses {@link api}, on its own origin. */
export function createApiClient(options: ApiClientOptions = {}): ApiClient {
  return createClient<paths>({
    baseUrl: options.baseUrl ?? '',
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
}

/** The API client of the page's own origin. */
export const api: ApiClient = createApiClient();

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads Visio's error body `{"error": {"code", "message", "details"?}}`, or null. */
export function parseErrorBody(
  body: unknown,
): { code: string; message: string; details: Record<string, unknown> | null } | null {
  if (!isRecord(body) || !isRecord(body.error)) return null;
  const { code, message, details } = body.error;
  if (typeof code !== 'string' || typeof message !== 'string') return null;
  return { code, message, details: isRecord(details) ? details : null };
}

/**
 * Awaits an openapi-fetch call and returns its data, or throws {@link ApiError}.
 * Exported so that UI code calling other endpoints gets the same errors.
 */
export async function unwrap<T>(
  call: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<T> {
  let result: { data?: T; error?: unknown; response: Response };
  try {
    result = await call;
  } catch (error) {
    // fetch rejects only when no answer arrived (offline, DNS, CORS, abort).
    const text = error instanceof Error ? error.message : String(error);
    throw new ApiError(0, 'network_error', `The server could not be reached: ${text}`);
  }
  const { data, error, response } = result;
  if (response.ok && data !== undefined) return data;
  const parsed = parseErrorBody(error);
  if (parsed !== null) {
    throw new ApiError(response.status, parsed.code, parsed.message, parsed.details);
  }
  throw new ApiError(
    response.status,
    'http_error',
    `Unexpected answer from the server (HTTP ${response.status})`,
  );
}

/** Creates a meeting, optionally named. Throws {@link ApiError} (`validation_failed`). */
export function createRoom(name?: string, client: ApiClient = api): Promise<Room> {
  return unwrap(client.POST('/api/v1/rooms', { body: name === undefined ? {} : { name } }));
}

/**
 * Looks a meeting up by its code (the server also accepts a typed or pasted
 * code and normalises it: use the returned `slug`). Throws {@link ApiError}
 * with code `room_not_found` (status 404) when there is no such meeting.
 */
export function getRoom(slug: string, client: ApiClient = api): Promise<Room> {
  return unwrap(client.GET('/api/v1/rooms/{slug}', { params: { path: { slug } } }));
}

/** Reads the server's limits and protocol version. Throws {@link ApiError}. */
export function getConfig(client: ApiClient = api): Promise<ClientConfig> {
  return unwrap(client.GET('/api/v1/config'));
}
