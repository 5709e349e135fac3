import { describe, expect, it } from 'vitest';
import { initials } from './components/Avatar';

describe('initials', () => {
  it.each([
    ['Alice Martin', 'AM'],
    ['bob', 'B'],
    ['Jean-Pierre de la Fontaine', 'JF'],
    ['Agent 04', 'A'],
    ['Émilie', 'É'],
    ['  ', ''],
    ['42', ''],
  ])('%j → %j', (name, expected) => {
    expect(initials(name)).toBe(expected);
  });
});
