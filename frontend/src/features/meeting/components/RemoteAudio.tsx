import { memo, useEffect, useRef } from 'react';
import type { MeetingState, Source } from '../../../meeting';
import type { MeetingControllerLike } from '../controller';
import { useMeetingSelector } from '../hooks/useMeeting';

interface AudioProps {
  participantId: string;
  source: Source;
  stream: MediaStream;
  sinkId: string | null;
  onBlocked: () => void;
}

type SinkableAudio = HTMLAudioElement & { setSinkId?: (id: string) => Promise<void> };

/** One remote audio stream, played out (Chromium plays remote WebRTC audio only through a media element). */
const RemoteAudioElement = memo(function RemoteAudioElement({ participantId, source, stream, sinkId, onBlocked }: AudioProps) {
  const ref = useRef<SinkableAudio>(null);
  useEffect(() => {
    const audio = ref.current;
    if (audio === null || audio.srcObject === stream) return;
    // Once per stream: the controller swaps tracks inside it; resetting srcObject would abort play().
    audio.srcObject = stream;
    audio.play?.()?.catch((error: unknown) => {
      if (error instanceof DOMException && error.name === 'NotAllowedError') onBlocked();
    });
  }, [stream, onBlocked]);
  useEffect(() => {
    const audio = ref.current;
    if (audio === null || sinkId === null || typeof audio.setSinkId !== 'function') return;
    audio.setSinkId(sinkId).catch((error: unknown) => console.warn('visio: cannot use that speaker', error));
  }, [sinkId]);
  return <audio ref={ref} autoPlay data-participant-id={participantId} data-source={source} />;
});

const selectRemoteMedia = (state: MeetingState) => state.remoteMedia;
const selectSpeaker = (state: MeetingState) => state.local.speakerId;

/**
 * An `<audio>` for every received microphone (and screen audio) stream; the
 * controller decides which audio is received. Routed to the chosen speaker.
 */
export function RemoteAudio({ controller, onBlocked }: { controller: Pick<MeetingControllerLike, 'subscribe' | 'getSnapshot'>; onBlocked: () => void }) {
  const remoteMedia = useMeetingSelector(controller, selectRemoteMedia);
  const sinkId = useMeetingSelector(controller, selectSpeaker);
  const elements: AudioProps[] = [];
  for (const [participantId, media] of Object.entries(remoteMedia)) {
    for (const source of ['microphone', 'screen_audio'] as const) {
      const stream = media[source];
      if (stream !== undefined) elements.push({ participantId, source, stream, sinkId, onBlocked });
    }
  }
  return (
    <div className="v-audio" hidden>
      {elements.map((props) => (
        <RemoteAudioElement key={`${props.participantId}/${props.source}`} {...props} />
      ))}
    </div>
  );
}
