/**
 * The short "someone is asking to join" sound, made with WebAudio (no file
 * to download): two soft sine notes going up. One AudioContext for the page,
 * made on first use (after the Join click, so browsers let it play).
 */
let context: AudioContext | null = null;

type AudioContextClass = typeof AudioContext;

function audioContext(): AudioContext | null {
  if (context !== null) return context;
  const Class: AudioContextClass | undefined =
    typeof window === 'undefined'
      ? undefined
      : (window.AudioContext ?? (window as unknown as { webkitAudioContext?: AudioContextClass }).webkitAudioContext);
  if (Class === undefined) return null;
  try {
    context = new Class();
  } catch {
    return null;
  }
  return context;
}

/** Plays the chime; silently does nothing where audio is unavailable. */
export function playChime(): void {
  const audio = audioContext();
  if (audio === null) return;
  if (audio.state === 'suspended') void audio.resume().catch(() => undefined);
  const start = audio.currentTime + 0.02;
  const notes: Array<[frequency: number, at: number]> = [
    [660, 0],
    [990, 0.16],
  ];
  for (const [frequency, at] of notes) {
    const oscillator = audio.createOscillator();
    const gain = audio.createGain();
    oscillator.type = 'sine';
    oscillator.frequency.value = frequency;
    // A quick rise and an exponential fall: a bell, not a beep.
    gain.gain.setValueAtTime(0.0001, start + at);
    gain.gain.exponentialRampToValueAtTime(0.18, start + at + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, start + at + 0.45);
    oscillator.connect(gain).connect(audio.destination);
    oscillator.start(start + at);
    oscillator.stop(start + at + 0.5);
  }
}
