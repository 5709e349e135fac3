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
/** What `POST /join` and `GET /lobby` answer: a join token, or the state of this browser's lobby request. */
export type JoinOut = components['schemas']['JoinOut'];
/** A co-host or an invited person of a meeting. */
export type Member = components['schemas']['MemberOut'];
/** The signed-in person (`GET /api/v1/me`). */
export type Me = components['schemas']['MeOut'];
/** A role in a meeting. */
/** Who may enter a meeting without a host's decision. */
export type AccessLevel = RoomSettings['access_level'];
/** A meeting's transcript as listed: its job's status and progress. */
export type TranscriptSummary = components['schemas']['TranscriptSummary'];
/** One transcript: the summary plus, once `done` or `empty`, who said what. */
export type TranscriptDetail = components['schemas']['TranscriptOut'];
/** Who said what, on the meeting clock (seconds from the transcript's start). */
export type TranscriptDocument = components['schemas']['Transcript'];
export type TranscriptSegment = components['schemas']['Segment'];
/** `capturing`, `queued`, `running`, `done`, `empty` (nobody spoke) or `failed`. */
export type TranscriptState = components['schemas']['TranscriptState'];
/** A transcript's download format. */
export type ExportFormat = components['schemas']['ExportFormat'];
/** Every download format, in the order the UI offers them. */
export const EXPORT_FORMATS: readonly ExportFormat[] = ['txt', 'docx', 'vtt', 'srt', 'json'];
/** The typed openapi-fetch client for every path of the API. */
export type ApiClient = Client<paths>;

/**
 * Sent with every request: the server refuses API writes without it
 * (`csrf_failed`). A cross-site form cannot set a header, and a cross-site
 * script that sets one needs a CORS preflight the server never grants.
 */
export const CSRF_HEADER = 'X-Visio-Request';

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
    /** Seconds to wait before trying again (`rate_limited`: the `Retry-After` header), or null. */
    readonly retryAfter: number | null = null,
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
  const client = createClient<paths>({
    baseUrl: options.baseUrl ?? '',
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  client.use({
    onRequest({ request }) {
      request.headers.set(CSRF_HEADER, '1');
      return request;
    },
  });
  return client;
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
  const retryAfter = retryAfterSeconds(response);
  const parsed = parseErrorBody(error);
  if (parsed !== null) {
    throw new ApiError(response.status, parsed.code, parsed.message, parsed.details, retryAfter);
  }
  throw new ApiError(
    response.status,
    'http_error',
    `Unexpected answer from the server (HTTP ${response.status})`,
    null,
    retryAfter,
  );
}

/** Like {@link unwrap}, for calls that answer nothing (204). */
async function unwrapEmpty(call: Promise<{ error?: unknown; response: Response }>): Promise<void> {
  await unwrap(call.then((result) => (result.response.ok ? { ...result, data: null } : result)));
}

/** `Retry-After` in seconds (the server sends a number), or null. */
function retryAfterSeconds(response: Response): number | null {
  const value = response.headers.get('retry-after');
  if (value === null) return null;
  const seconds = Number(value);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds : null;
}

/**
 * Creates a meeting, optionally named; the caller becomes its owner. Throws
 * {@link ApiError}: `not_signed_in` (401) when this server lets only
 * signed-in people create meetings, `rate_limited`, `validation_failed`.
 */
export function createRoom(
  name?: string,
  client: ApiClient = api,
  settings?: Partial<RoomSettings>,
): Promise<Room> {
  return unwrap(
    client.POST('/api/v1/rooms', {
      body: {
        ...(name === undefined ? {} : { name }),
        ...(settings === undefined ? {} : { settings: { ...DEFAULT_SETTINGS, ...settings } }),
      },
    }),
  );
}

/** What the server assumes for settings left out. */
export const DEFAULT_SETTINGS: RoomSettings = {
  access_level: 'trusted',
  start_audio_muted: false,
  start_video_muted: false,
};

/** The meetings the signed-in user owns or co-hosts. Throws {@link ApiError} (`not_signed_in`). */
export function listMyRooms(client: ApiClient = api): Promise<Room[]> {
  return unwrap(client.GET('/api/v1/rooms'));
}

/**
 * Changes a meeting's settings (owner and hosts). The settings are sent
 * whole: pass the current ones with the change. Throws {@link ApiError}
 * (`forbidden`, `room_not_found`).
 */
export function updateRoomSettings(slug: string, settings: RoomSettings, client: ApiClient = api): Promise<Room> {
  return unwrap(client.PATCH('/api/v1/rooms/{slug}', { params: { path: { slug } }, body: { settings } }));
}

/** How this browser enters: see {@link requestJoin}. */
export interface JoinRequestOptions {
  /**
   * A meeting-room microphone that several people speak into: the server
   * tells their voices apart in transcripts. Default false (one person).
   */
  sharedMicrophone?: boolean;
}

/**
 * Asks to enter a meeting as `displayName`: `status: "admitted"` with a join
 * token (single-use, valid `token_expires_in` seconds), or `"waiting"` in the
 * lobby (then poll {@link lobbyStatus}). Throws {@link ApiError}:
 * `room_not_found`, `room_full`, `rate_limited` (with `retryAfter`).
 */
export function requestJoin(
  slug: string,
  displayName: string,
  options: JoinRequestOptions = {},
  client: ApiClient = api,
): Promise<JoinOut> {
  return unwrap(
    client.POST('/api/v1/rooms/{slug}/join', {
      params: { path: { slug } },
      body: { display_name: displayName, shared_microphone: options.sharedMicrophone ?? false },
    }),
  );
}

/**
 * This browser's lobby request: `waiting`, `admitted` (with a fresh token),
 * `denied`, `expired` or `cancelled`. Throws {@link ApiError}:
 * `lobby_request_not_found`, `room_not_found`, `rate_limited`.
 */
export function lobbyStatus(slug: string, client: ApiClient = api): Promise<JoinOut> {
  return unwrap(client.GET('/api/v1/rooms/{slug}/lobby', { params: { path: { slug } } }));
}

/** Stops waiting in the lobby. Throws {@link ApiError} (`lobby_request_not_found`). */
export function leaveLobby(slug: string, client: ApiClient = api): Promise<void> {
  return unwrapEmpty(client.DELETE('/api/v1/rooms/{slug}/lobby', { params: { path: { slug } } }));
}

/** Co-hosts and invited people (owner and hosts). Throws {@link ApiError} (`forbidden`). */
export function listMembers(slug: string, client: ApiClient = api): Promise<Member[]> {
  return unwrap(client.GET('/api/v1/rooms/{slug}/members', { params: { path: { slug } } }));
}

/**
 * Adds a co-host (`host`, owner only) or invites someone (`invited`), by
 * email. Throws {@link ApiError}: `mail_not_configured` (409) when
 * `sendInvitation` and the server cannot send email, `forbidden`,
 * `validation_failed` (not an email).
 */
export function addMember(
  slug: string,
  member: { email: string; role: Member['role']; sendInvitation: boolean },
  client: ApiClient = api,
): Promise<Member> {
  return unwrap(
    client.POST('/api/v1/rooms/{slug}/members', {
      params: { path: { slug } },
      body: { email: member.email, role: member.role, send_invitation: member.sendInvitation },
    }),
  );
}

/** Removes a co-host (owner) or an invited person. Throws {@link ApiError}. */
export function removeMember(slug: string, email: string, client: ApiClient = api): Promise<void> {
  return unwrapEmpty(
    client.DELETE('/api/v1/rooms/{slug}/members/{email}', { params: { path: { slug, email } } }),
  );
}

/** The signed-in person, or null when nobody is signed in. Throws {@link ApiError} otherwise. */
export async function getMe(client: ApiClient = api): Promise<Me | null> {
  try {
    return await unwrap(client.GET('/api/v1/me'));
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return null;
    throw error;
  }
}

/**
 * Signs out. Resolves with where to send the browser next (the identity
 * provider's logout page, or home). Throws {@link ApiError}.
 */
export async function signOut(client: ApiClient = api): Promise<string> {
  const out = await unwrap(client.POST('/auth/logout', { headers: { Accept: 'application/json' } }));
  return out.redirect_url;
}

/** Where the sign-in starts; the browser comes back to `next` (a path on this site). */
export function signInUrl(next: string): string {
  return `/auth/login?next=${encodeURIComponent(next)}`;
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

/**
 * A meeting's transcripts, newest first (owner and hosts). Throws
 * {@link ApiError}: `forbidden` (403), `room_not_found` (404).
 */
export function listTranscripts(slug: string, client: ApiClient = api): Promise<TranscriptSummary[]> {
  return unwrap(client.GET('/api/v1/rooms/{slug}/transcripts', { params: { path: { slug } } }));
}

/**
 * One transcript, with its document once `done` or `empty` (owner, hosts,
 * and the people it is shared with). Throws {@link ApiError}: `forbidden`, `room_not_found`,
 * `transcript_not_found` (404, also for another meeting's transcript).
 */
export function getTranscript(slug: string, id: string, client: ApiClient = api): Promise<TranscriptDetail> {
  return unwrap(
    client.GET('/api/v1/rooms/{slug}/transcripts/{transcript_id}', { params: { path: { slug, transcript_id: id } } }),
  );
}

/**
 * Deletes a transcript and its audio (owner). Throws {@link ApiError}:
 * `forbidden`, `transcript_not_found`, `transcript_busy` (409: still being
 * captured; stop it in the meeting first).
 */
export function deleteTranscript(slug: string, id: string, client: ApiClient = api): Promise<void> {
  return unwrapEmpty(
    client.DELETE('/api/v1/rooms/{slug}/transcripts/{transcript_id}', { params: { path: { slug, transcript_id: id } } }),
  );
}

/**
 * Shares a transcript with signed-in people, by email (owner). `emails` is the
 * whole list (`[]` stops sharing); the answer has it, lower-cased, in
 * `shared_with`. Throws {@link ApiError}: `forbidden` (403, not the owner),
 * `validation_failed` (422, a malformed address), `transcript_not_found`.
 */
export function shareTranscript(slug: string, id: string, emails: readonly string[], client: ApiClient = api): Promise<TranscriptSummary> {
  return unwrap(
    client.PUT('/api/v1/rooms/{slug}/transcripts/{transcript_id}/sharing', {
      params: { path: { slug, transcript_id: id } },
      body: { emails: [...emails] },
    }),
  );
}

/**
 * Where the browser downloads a transcript (a plain link: the server answers
 * with `Content-Disposition: attachment`; a GET needs no CSRF header).
 */
export function transcriptDownloadUrl(slug: string, id: string, format: ExportFormat): string {
  return `/api/v1/rooms/${encodeURIComponent(slug)}/transcripts/${encodeURIComponent(id)}/download?format=${format}`;
}
