/**
 * The meeting core for the UI: one `MeetingController` per meeting, read
 * with `useSyncExternalStore`. See README.md in this folder.
 */
export { MeetingController } from './MeetingController';
export type { JoinOptions, MeetingControllerOptions, MeetingSignaling } from './MeetingController';
export type * from './types';
export type { VisibleTile } from '../media/chooseSubscriptions';
export { REACTION_EMOJIS, isHostRole } from '../signaling/types';
export { SignalingError } from '../signaling/errors';
export { MediaAccessError } from '../media/devices';
