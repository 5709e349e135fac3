/**
 * Toggles applied one after another. Turning a camera on takes a while
 * (the device opens); a second press meanwhile must not race the first:
 * it is queued, and only the last wish is applied after the current one.
 */
export class SerialToggle {
  private running = false;
  /** The state being applied now, while running. */
  private inFlight: boolean | null = null;
  /** The next state to apply, if pressed meanwhile. */
  private queued: boolean | null = null;

  constructor(
    /** The state now (e.g. "is the camera on?"). */
    private readonly read: () => boolean,
    /** Applies a state; a rejection is reported to `onError` and the queue goes on. */
    private readonly apply: (on: boolean) => Promise<void>,
    private readonly onError: (error: unknown) => void = (error) => console.warn('visio: toggle failed', error),
  ) {}

  /** Flips the state as the user last asked for it. */
  toggle(): void {
    const base = this.queued ?? this.inFlight ?? this.read();
    this.set(!base);
  }

  /** Asks for a given state. */
  set(on: boolean): void {
    this.queued = on;
    if (!this.running) void this.drain();
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      while (this.queued !== null) {
        const on = this.queued;
        this.queued = null;
        this.inFlight = on;
        try {
          await this.apply(on);
        } catch (error) {
          this.onError(error);
        }
      }
    } finally {
      this.running = false;
      this.inFlight = null;
    }
  }
}
