import { describe, expect, it } from 'vitest';
import { parseStrictJson } from '../../api/input/strictJson';

describe('parseStrictJson', () => {
  it.each<[string, string, RegExp]>([
    ['{"a":1,"a":2}', 'a', /more than once/],
    ['{"a":{"b":["\\ud800"]}}', 'a.b.0', /lone surrogate/],
    ['{"a":"\\udc00\\ud800"}', 'a', /lone surrogate/],
    ['{"a":"x\\u0000"}', 'a', /NUL/],
    ['{"n":9007199254740992}', 'n', /safe integers/],
    ['{"n":-1e400}', 'n', /safe integers/],
    ['{"n":1.5e300}', 'n', /safe integers/],
    ['[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]', '(body)', /17 deep/],
    ['{"a":', '(body)', /not valid JSON/],
  ])('%s is refused naming %s', (text, field, message) => {
    const result = parseStrictJson(text);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.field).toBe(field);
      expect(result.message).toMatch(message);
    }
  });

  it('accepts what JSON.parse accepts otherwise, surrogate pairs and safe numbers included', () => {
    const text = '{"name":"Ada \\ud83d\\ude00 Lovelace","n":9007199254740991,"x":-1.5e-300,"y":9007199254740.5,"list":[{"a":null,"b":true}]}';
    expect(parseStrictJson(text)).toEqual({ ok: true, value: JSON.parse(text) });
  });
});
