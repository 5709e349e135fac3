import { describe, expect, it } from 'vitest';
import {
  ApiError,
  createApiClient,
  type Room,
  createRoom,
  deleteTranscript,
  getConfig,
  getMe,
  getRoom,
  getTranscript,
  listTranscripts,
  requestJoin,
  shareTranscript,
  transcriptDownloadUrl,
  updateRoomSettings,
} from './client';

function server(status: number, body: unknown, seen: Request[] = []) {
  return createApiClient({
    baseUrl: 'http://visio.test',
    fetch: async (request) => {
      seen.push(request);
      return new Response(JSON.stringify(body), {
        status,
        headers: { 'content-type': 'application/json' },
      });
    },
  });
}

const room: Room = {
  id: '1',
  slug: 'abcd-efgh-ijkl',
  name: 'Point hebdo',
  url: 'http://visio.test/abcd-efgh-ijkl',
  settings: { access_level: 'trusted', max_participants: null, start_audio_muted: false, start_video_muted: false },
  your_role: 'owner',
  created_at: '2025-03-14T09:26:53Z',
  updated_at: '2025-03-14T09:26:53Z',
};

describe('api client', () => {
  it('returns the created room and sends the name', async () => {
    const seen: Request[] = [];
    await expect(createRoom('Point hebdo', server(201, room, seen))).resolves.toEqual(room);
    expect(seen[0]?.method).toBe('POST');
    expect(new URL(seen[0]?.url ?? '').pathname).toBe('/api/v1/rooms');
    await expect(seen[0]?.json()).resolves.toEqual({ name: 'Point hebdo' });
  });

  it('throws a typed ApiError from the error body', async () => {
    const client = server(404, { error: { code: 'room_not_found', message: 'No such meeting' } });
    const error = await getRoom('zzzz', client).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 404, code: 'room_not_found', message: 'No such meeting' });
  });

  it('reports answers that are not the error shape as http_error', async () => {
    const error = await getConfig(server(502, { detail: 'bad gateway' })).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 502, code: 'http_error' });
  });

  it('reports a failed fetch as network_error', async () => {
    const client = createApiClient({
      baseUrl: 'http://visio.test',
      fetch: () => Promise.reject(new TypeError('Failed to fetch')),
    });
    await expect(getConfig(client)).rejects.toMatchObject({ status: 0, code: 'network_error' });
  });

  it('encodes the slug in the path', async () => {
    const seen: Request[] = [];
    await getRoom('abcd efgh', server(200, room, seen));
    expect(new URL(seen[0]?.url ?? '').pathname).toBe('/api/v1/rooms/abcd%20efgh');
  });

  it('marks every request with the CSRF header the server requires for writes', async () => {
    const seen: Request[] = [];
    await createRoom(undefined, server(201, room, seen));
    await updateRoomSettings('abcd-efgh-ijkl', room.settings, server(200, room, seen));
    await getRoom('abcd-efgh-ijkl', server(200, room, seen));
    expect(seen.map((r) => [r.method, r.headers.get('X-Visio-Request')])).toEqual([
      ['POST', '1'],
      ['PATCH', '1'],
      ['GET', '1'],
    ]);
  });

  it('creates with settings completed by the defaults', async () => {
    const seen: Request[] = [];
    await createRoom('Public', server(201, room, seen), { access_level: 'public' });
    await expect(seen[0]?.json()).resolves.toEqual({
      name: 'Public',
      settings: { access_level: 'public', start_audio_muted: false, start_video_muted: false },
    });
  });

  it('reads Retry-After into a rate_limited error', async () => {
    const client = createApiClient({
      baseUrl: 'http://visio.test',
      fetch: async () =>
        new Response(JSON.stringify({ error: { code: 'rate_limited', message: 'Slow down', details: { retry_after: 30 } } }), {
          status: 429,
          headers: { 'content-type': 'application/json', 'retry-after': '30' },
        }),
    });
    await expect(requestJoin('abcd-efgh-ijkl', 'Bob', {}, client)).rejects.toMatchObject({
      status: 429,
      code: 'rate_limited',
      retryAfter: 30,
    });
  });

  it('reads nobody signed in as null', async () => {
    const client = server(401, { error: { code: 'not_signed_in', message: 'Sign in' } });
    await expect(getMe(client)).resolves.toBeNull();
  });

  it('reads, deletes and links to transcripts', async () => {
    const seen: Request[] = [];
    await listTranscripts('abcd-efgh-ijkl', server(200, [], seen));
    await getTranscript('abcd-efgh-ijkl', 't-1', server(200, {}, seen));
    await deleteTranscript('abcd-efgh-ijkl', 't-1', createApiClient({
      baseUrl: 'http://visio.test',
      fetch: async (request) => {
        seen.push(request);
        return new Response(null, { status: 204 });
      },
    }));
    expect(seen.map((r) => [r.method, new URL(r.url).pathname, r.headers.get('X-Visio-Request')])).toEqual([
      ['GET', '/api/v1/rooms/abcd-efgh-ijkl/transcripts', '1'],
      ['GET', '/api/v1/rooms/abcd-efgh-ijkl/transcripts/t-1', '1'],
      ['DELETE', '/api/v1/rooms/abcd-efgh-ijkl/transcripts/t-1', '1'],
    ]);
    expect(transcriptDownloadUrl('abcd-efgh-ijkl', 't 1', 'docx')).toBe('/api/v1/rooms/abcd-efgh-ijkl/transcripts/t%201/download?format=docx');
    const busy = server(409, { error: { code: 'transcript_busy', message: 'Stop it first' } });
    await expect(deleteTranscript('abcd-efgh-ijkl', 't-1', busy)).rejects.toMatchObject({ status: 409, code: 'transcript_busy' });
  });

  it('shares a transcript by sending the whole list of emails', async () => {
    const seen: Request[] = [];
    const out = await shareTranscript('abcd-efgh-ijkl', 't-1', ['a@b.fr', 'c@d.fr'], server(200, { id: 't-1', shared_with: ['a@b.fr', 'c@d.fr'] }, seen));
    expect(out.shared_with).toEqual(['a@b.fr', 'c@d.fr']);
    expect([seen[0]?.method, new URL(seen[0]!.url).pathname, seen[0]?.headers.get('X-Visio-Request')]).toEqual(['PUT', '/api/v1/rooms/abcd-efgh-ijkl/transcripts/t-1/sharing', '1']);
    await expect(seen[0]?.json()).resolves.toEqual({ emails: ['a@b.fr', 'c@d.fr'] });
    const invalid = server(422, { error: { code: 'validation_failed', message: 'Not an email' } });
    await expect(shareTranscript('abcd-efgh-ijkl', 't-1', ['nope'], invalid)).rejects.toMatchObject({ status: 422, code: 'validation_failed' });
  });

  it('asks to join as one person unless the microphone is shared by a room', async () => {
    const seen: Request[] = [];
    await requestJoin('abcd-efgh-ijkl', 'Bob', {}, server(200, { status: 'admitted' }, seen));
    await requestJoin('abcd-efgh-ijkl', 'Room 4', { sharedMicrophone: true }, server(200, { status: 'admitted' }, seen));
    await expect(seen[0]?.json()).resolves.toEqual({ display_name: 'Bob', shared_microphone: false });
    await expect(seen[1]?.json()).resolves.toEqual({ display_name: 'Room 4', shared_microphone: true });
  });
});
