/**
 * When to send `subscribe`: after a short quiet time (layout and roster
 * changes come in bursts), and only when the chosen streams or their
 * simulcast layers changed.
 */
import { chooseSubscriptions, subscriptionKey, type SubscriptionInput } from '../media/chooseSubscriptions';
import type { StreamRequest } from '../signaling/types';

export interface SubscriptionSenderOptions {
  debounceMs: number;
  /** The inputs now, or null when not in a session. */
  read: () => SubscriptionInput | null;
  /** Sends `subscribe`; a rejection means the previous set stays in force. */
  send: (streams: StreamRequest[]) => Promise<unknown>;
}

export class SubscriptionSender {
  private last: string | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly options: SubscriptionSenderOptions) {}

  /** Something that may change the list happened: send after the quiet time. */
  schedule(): void {
    if (this.timer !== null) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.sendNow(false);
    }, this.options.debounceMs);
  }

  /** Computes the list and sends it if it changed (or always, with `force`). */
  sendNow(force: boolean): void {
    const input = this.options.read();
    if (input === null) return;
    const streams = chooseSubscriptions(input);
    const key = subscriptionKey(streams);
    if (!force && key === this.last) return;
    this.last = key;
    this.options.send(streams).catch((error: unknown) => {
      // Not sent, or refused (too_many_streams, media_unavailable): try again at the next change.
      if (this.last === key) this.last = null;
      console.warn('visio: subscribe failed', error);
    });
  }

  /** A new session: nothing was sent in it yet. */
  reset(): void {
    this.last = null;
  }

  /**
   * After a media reset the roster has no streams, so the list is empty;
   * sending it would erase the wishes the server keeps for us (protocol.md,
   * "Media reset"). Count it as sent: the next real change is sent.
   */
  assumeEmptySent(): void {
    this.last = subscriptionKey([]);
  }

  cancel(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }
}
