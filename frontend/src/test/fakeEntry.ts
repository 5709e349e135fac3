/** A scripted entry API (POST /join, GET and DELETE /lobby) for tests: no network. */
import { vi } from 'vitest';
import type { ApiError, JoinOut, JoinRequestOptions } from '../api/client';
import type { EntryApi } from '../meeting/entry';

export function admitted(token: string, role: JoinOut['role'] = 'participant'): JoinOut {
  return { status: 'admitted', role, token, token_expires_in: 60, participant_id: `p-${token}` };
}

export function lobbyAnswer(status: Exclude<JoinOut['status'], 'admitted'>, role: JoinOut['role'] = 'guest'): JoinOut {
  return { status, role, request_id: 'req-1', expires_at: '2025-03-14T09:40:00Z' };
}

type Answer = JoinOut | ApiError;

/**
 * `POST /join` answers `joinAnswers` in order, then admits with tokens
 * tok1, tok2…; `GET /lobby` answers `lobbyAnswers` in order, then `waiting`.
 */
export class FakeEntryApi implements EntryApi {
  readonly joinAnswers: Answer[] = [];
  readonly lobbyAnswers: Answer[] = [];
  private tokens = 0;

  readonly requestJoin = vi.fn(async (_slug: string, _displayName: string, _options: JoinRequestOptions): Promise<JoinOut> => {
    return this.answer(this.joinAnswers.shift() ?? admitted(`tok${++this.tokens}`));
  });

  readonly lobbyStatus = vi.fn(async (_slug: string): Promise<JoinOut> => {
    return this.answer(this.lobbyAnswers.shift() ?? lobbyAnswer('waiting'));
  });

  readonly leaveLobby = vi.fn(async (_slug: string): Promise<void> => undefined);

  /** The next token `requestJoin` will admit with. */
  nextToken(): string {
    return `tok${this.tokens + 1}`;
  }

  private answer(answer: Answer): JoinOut {
    if (answer instanceof Error) throw answer;
    return answer;
  }
}
