import { useEffect, useState } from 'react';
import { AudioLevelMeter } from '../../../media/audioLevel';

/** The level (0..1) of a microphone track, about ten times a second; 0 without a track. */
export function useAudioLevel(track: MediaStreamTrack | null): number {
  const [level, setLevel] = useState(0);
  useEffect(() => {
    setLevel(0);
    if (track === null || typeof AudioContext === 'undefined') return;
    let meter: AudioLevelMeter;
    try {
      meter = new AudioLevelMeter(track, { onLevel: setLevel, intervalMs: 100 });
    } catch (error) {
      console.warn('visio: no microphone level meter', error);
      return;
    }
    return () => meter.stop();
  }, [track]);
  return level;
}
