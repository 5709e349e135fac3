/** Initials in a coloured disc, for a tile without video. */

// DSFR illustrative colours dark enough for white text (contrast ≥ 4.5:1).
const COLOURS = ['#000091', '#5151d3', '#a94645', '#8d533e', '#3a55d1', '#006a6f', '#18753c', '#716043', '#7d4e5b', '#6e445a'];

function hash(text: string): number {
  let h = 0;
  for (let i = 0; i < text.length; i += 1) h = (h * 31 + text.charCodeAt(i)) | 0;
  return Math.abs(h);
}

/** "Alice Martin" → "AM", "Bob" → "B", "Agent 04" → "A" (words without a letter do not count). */
export function initials(name: string): string {
  const words = name
    .trim()
    .split(/\s+/)
    .filter((word) => /^\p{L}/u.test(word));
  const picked = words.length > 1 ? [words[0], words[words.length - 1]] : words;
  return picked
    .map((word) => Array.from(word ?? '')[0] ?? '')
    .join('')
    .toLocaleUpperCase();
}

export function Avatar({ name, seed, size }: { name: string; seed: string; size: number }) {
  return (
    <span
      className="v-avatar"
      aria-hidden="true"
      style={{ width: size, height: size, fontSize: Math.max(12, Math.round(size * 0.4)), background: COLOURS[hash(seed) % COLOURS.length] }}
    >
      {initials(name) || '?'}
    </span>
  );
}
