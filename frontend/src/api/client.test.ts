import { describe, expect, it } from 'vitest';
import { ApiError, createApiClient, createRoom, getConfig, getRoom } from './client';

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

const room = {
  id: '1',
  slug: 'abcd-efgh-ijkl',
  name: 'Point hebdo',
  url: 'http://visio.test/abcd-efgh-ijkl',
  settings: { max_participants: null, start_audio_muted: false, start_video_muted: false },
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
});
