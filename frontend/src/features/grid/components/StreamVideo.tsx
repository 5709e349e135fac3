import { memo, useLayoutEffect, useRef } from 'react';

export interface StreamVideoProps {
  stream: MediaStream;
  source: 'camera' | 'screen';
  /** Mirror it (our own camera, as in a mirror). */
  mirrored?: boolean;
  /** `cover` crops to fill the tile; `contain` shows everything (screens). */
  fit?: 'cover' | 'contain';
  className?: string;
  'data-testid'?: string;
}

/**
 * A muted, inline `<video>` of one stream. `srcObject` is set once per
 * stream object: the controller keeps the same MediaStream and swaps tracks
 * inside it, and resetting `srcObject` would abort playback.
 */
export const StreamVideo = memo(function StreamVideo({ stream, source, mirrored = false, fit = 'cover', className, 'data-testid': testId }: StreamVideoProps) {
  const ref = useRef<HTMLVideoElement>(null);
  useLayoutEffect(() => {
    const video = ref.current;
    if (video === null || video.srcObject === stream) return;
    video.srcObject = stream;
    // autoplay starts it; play() covers browsers that wait for it. A muted
    // video may always autoplay, so a rejection here is an interrupted load.
    video.play?.()?.catch(() => undefined);
  }, [stream]);
  return (
    <video
      ref={ref}
      className={['v-video', `v-video--${fit}`, mirrored ? 'v-video--mirrored' : null, className].filter(Boolean).join(' ')}
      data-source={source}
      data-testid={testId}
      autoPlay
      playsInline
      muted
      disablePictureInPicture
    />
  );
});
