import { memo } from 'react';
import type { MeetingState } from '../../../meeting';
import type { MeetingControllerLike } from '../../meeting/controller';
import { useMeetingSelector } from '../../meeting/hooks/useMeeting';

const selectReactions = (state: MeetingState) => state.reactions;
/** At most this many on screen at once (a burst from 150 people stays readable). */
const MAX_SHOWN = 24;

/**
 * Reactions float up from the bottom of the stage and fade (a still fade
 * with prefers-reduced-motion). The controller removes each after ~4 s.
 * Decorative for screen readers: a burst would drown everything else.
 */
export const ReactionsOverlay = memo(function ReactionsOverlay({ controller }: { controller: Pick<MeetingControllerLike, 'subscribe' | 'getSnapshot'> }) {
  const reactions = useMeetingSelector(controller, selectReactions);
  return (
    <div className="v-reaction-layer" aria-hidden="true">
      {reactions.slice(-MAX_SHOWN).map((reaction) => (
        <div
          key={reaction.id}
          className="v-reaction"
          data-testid="reaction"
          data-emoji={reaction.emoji}
          // Spread over the lower left of the stage, the same place for the same reaction.
          style={{ left: `${4 + ((reaction.id * 37) % 26)}%` }}
        >
          <span className="v-reaction__emoji">{reaction.emoji}</span>
          {reaction.displayName !== null && <span className="v-reaction__name">{reaction.displayName}</span>}
        </div>
      ))}
    </div>
  );
});
