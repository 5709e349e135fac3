/**
 * What the UI uses of a meeting controller. Components take this, not the
 * class, so that tests can hand them a small fake (`testing.ts`).
 */
import { isHostRole, type MeetingController, type MeetingState, type Participant } from '../../meeting';

export type MeetingControllerLike = Pick<
  MeetingController,
  | 'subscribe'
  | 'getSnapshot'
  | 'join'
  | 'leave'
  | 'dispose'
  | 'setMicrophoneEnabled'
  | 'setCameraEnabled'
  | 'startScreenShare'
  | 'stopScreenShare'
  | 'switchDevice'
  | 'sendChat'
  | 'markChatRead'
  | 'raiseHand'
  | 'react'
  | 'setVisibleTiles'
  | 'decideLobby'
  | 'setLocked'
  | 'muteParticipant'
  | 'removeParticipant'
  | 'lowerHand'
  | 'setParticipantRole'
  | 'endMeeting'
  | 'startTranscription'
  | 'stopTranscription'
>;

const indexes = new WeakMap<readonly Participant[], ReadonlyMap<string, Participant>>();

/** Participants by id, built once per snapshot's list. */
export function participantIndex(state: MeetingState): ReadonlyMap<string, Participant> {
  let index = indexes.get(state.participants);
  if (index === undefined) {
    index = new Map(state.participants.map((p) => [p.id, p]));
    indexes.set(state.participants, index);
  }
  return index;
}

/** Whether our hand is raised. */
export function selfHandRaised(state: MeetingState): boolean {
  return state.selfId !== null && state.hands.includes(state.selfId);
}

/** Whether we moderate the meeting (owner or host): a selector for `useMeetingSelector`. */
export function selfIsHost(state: MeetingState): boolean {
  return isHostRole(state.role);
}

/** Whether our microphone is live (open and not muted). */
export function selfMicrophoneOn(state: MeetingState): boolean {
  return state.local.microphone.enabled && state.local.microphone.track !== null;
}

/** Whether our camera is on (a track is open and wanted). */
export function selfCameraOn(state: MeetingState): boolean {
  return state.local.camera.enabled && state.local.camera.track !== null;
}
