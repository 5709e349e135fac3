/**
 * Meeting codes as people type or paste them: `abcd-efgh-ijkl`,
 * `ABCD EFGH IJKL`, `abcdefghijkl`, or a whole meeting link.
 */

/** The meeting link people share: `{origin}/{slug}`. */
export function meetingLink(slug: string, origin: string = window.location.origin): string {
  return `${origin.replace(/\/+$/, '')}/${slug}`;
}

/**
 * The canonical slug (lowercase letters in dash-separated groups of four,
 * 4 to 32 letters) of a typed code or a pasted link, or null when it cannot
 * be one. A link counts by its last path segment (protocol.md, "Finding a
 * meeting"); the server normalises codes the same way.
 */
export function normalizeMeetingCode(input: string): string | null {
  let text = input.trim();
  if (text === '') return null;
  if (text.includes('/')) {
    let path = text;
    try {
      // A link with or without its scheme: only the path matters.
      path = new URL(text, 'http://x.invalid/').pathname;
    } catch {
      // Not a URL at all: take the text after the last slash.
    }
    const segments = path.split(/[?#]/)[0]?.split('/').filter(Boolean) ?? [];
    text = segments[segments.length - 1] ?? '';
  }
  const letters = text.toLowerCase().replace(/[\s\-_.]+/g, '');
  if (!/^[a-z]+$/.test(letters) || letters.length < 4 || letters.length > 32 || letters.length % 4 !== 0) return null;
  return letters.match(/.{4}/g)?.join('-') ?? null;
}
