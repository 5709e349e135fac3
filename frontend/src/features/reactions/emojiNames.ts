import type { ReactionEmoji } from '../../meeting';

/** The translation key naming each reaction (an emoji alone is read inconsistently by screen readers). */
export const REACTION_NAME_KEYS = {
  '👍': 'reactions.names.thumbsUp',
  '👎': 'reactions.names.thumbsDown',
  '👏': 'reactions.names.clap',
  '❤️': 'reactions.names.heart',
  '😂': 'reactions.names.laugh',
  '😮': 'reactions.names.surprised',
  '🎉': 'reactions.names.party',
  '🙏': 'reactions.names.thanks',
} as const satisfies Record<ReactionEmoji, string>;
