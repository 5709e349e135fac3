import { describe, expect, it, vi } from 'vitest';
import { SerialToggle } from './serialToggle';

describe('SerialToggle', () => {
  it('applies presses one after another, the last wish winning', async () => {
    let state = false;
    const resolvers: (() => void)[] = [];
    const apply = vi.fn(
      (on: boolean) =>
        new Promise<void>((resolve) =>
          resolvers.push(() => {
            state = on;
            resolve();
          }),
        ),
    );
    const toggle = new SerialToggle(() => state, apply);
    toggle.toggle(); // on
    toggle.toggle(); // off (queued)
    toggle.toggle(); // on again (replaces the queued wish)
    expect(apply.mock.calls).toEqual([[true]]);
    resolvers.shift()?.();
    await vi.waitFor(() => expect(apply.mock.calls).toEqual([[true], [true]]));
    resolvers.shift()?.();
    await vi.waitFor(() => expect(state).toBe(true));
  });

  it('goes on after a failure', async () => {
    const onError = vi.fn();
    const apply = vi.fn().mockRejectedValueOnce(new Error('no')).mockResolvedValue(undefined);
    const toggle = new SerialToggle(() => false, apply, onError);
    toggle.toggle();
    await vi.waitFor(() => expect(onError).toHaveBeenCalled());
    toggle.toggle();
    await vi.waitFor(() => expect(apply).toHaveBeenCalledTimes(2));
  });
});
