import type { ClientConfig } from '../../api/client';

/** A server's `GET /api/v1/config` for component tests: the embedded defaults, with `overrides`. */
export function testConfig(overrides: Partial<ClientConfig> = {}): ClientConfig {
  return {
    protocol_version: 2,
    max_participants: 150,
    max_video_subscriptions: 25,
    max_audio_subscriptions: 30,
    ws_max_message_bytes: 65536,
    public_url: null,
    sign_in_enabled: true,
    anonymous_rooms: true,
    // The bundled speech model: English only; the default language stays French.
    transcription: { available: true, languages: ['en'], default_language: 'fr', allowed_roles: ['owner', 'host'] },
    ...overrides,
  };
}
