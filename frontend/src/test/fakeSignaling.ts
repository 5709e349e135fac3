/** A SignalingPort that records requests; the test answers them. */
import type { SignalingPort } from '../media/port';
import { SignalingError } from '../signaling/errors';
import type { ClientRequest, ReplyFor, ServerMessage } from '../signaling/types';

interface Waiting {
  message: ClientRequest;
  resolve: (reply: ServerMessage) => void;
  reject: (error: SignalingError) => void;
}

export class FakeSignaling implements SignalingPort {
  readonly requests: Waiting[] = [];
  readonly sent: ClientRequest[] = [];
  /** Requests of these types are answered `ack` at once. */
  autoAck = new Set<string>(['unpublish', 'mute', 'trickle', 'chat', 'raise_hand', 'reaction', 'leave']);

  request<T extends ClientRequest>(message: T): Promise<ReplyFor<T['type']>> {
    this.sent.push(message);
    if (this.autoAck.has(message.type)) {
      return Promise.resolve({ type: 'ack', reply_to: 'auto' } as ReplyFor<T['type']>);
    }
    return new Promise((resolve, reject) => {
      this.requests.push({
        message,
        resolve: (reply) => resolve(reply as ReplyFor<T['type']>),
        reject,
      });
    });
  }

  send(message: ClientRequest): boolean {
    this.sent.push(message);
    return true;
  }

  /** The oldest unanswered request of `type`, removed from the waiting list. */
  take(type: ClientRequest['type']): Waiting {
    const index = this.requests.findIndex((w) => w.message.type === type);
    const waiting = this.requests[index];
    if (waiting === undefined) throw new Error(`no pending ${type} request`);
    this.requests.splice(index, 1);
    return waiting;
  }

  fail(type: ClientRequest['type'], code: string): void {
    this.take(type).reject(new SignalingError(code, `${type} refused: ${code}`));
  }

  sentOfType<K extends ClientRequest['type']>(type: K): Extract<ClientRequest, { type: K }>[] {
    return this.sent.filter((m): m is Extract<ClientRequest, { type: K }> => m.type === type);
  }
}
