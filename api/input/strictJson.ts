/** What a request body may hold; anything beyond is refused before a handler sees it. */
export interface JsonLimits {
  /** Nesting of objects and arrays. */
  maxDepth: number;
  /** Characters in one string (keys included). */
  maxStringLength: number;
}

export const DEFAULT_JSON_LIMITS: JsonLimits = { maxDepth: 16, maxStringLength: 10_000 };

export type StrictJsonResult = { ok: true; value: unknown } | { ok: false; field: string; message: string };

const fail = (field: string, message: string): StrictJsonResult => ({ ok: false, field, message });

/**
 * JSON.parse accepts things Hotpath must not store: duplicate keys (the last silently wins), lone UTF-16
 * surrogates ("\ud800" is valid JSON, yet not text Postgres can hold), NUL characters, integers past 2^53 that
 * lose their value, and nesting deep enough to exhaust a recursive walk. Three linear passes, none of which
 * builds a syntax tree: the nesting is counted first (so a deep body is refused before anything is built),
 * JSON.parse then judges the syntax and builds the value, and one scan of the (now known valid) text refuses
 * each of the others, naming the field. A body costs about two JSON.parse calls (see strictJson.test.ts).
 */
export function parseStrictJson(text: string, limits: JsonLimits = DEFAULT_JSON_LIMITS): StrictJsonResult {
  const depth = nestingDepth(text);
  if (depth > limits.maxDepth) return fail('(body)', `nests objects and arrays ${depth} deep; at most ${limits.maxDepth} levels are accepted`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return fail('(body)', 'the body is not valid JSON');
  }
  return scanValues(text, limits) ?? { ok: true, value };
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Whether the string is well-formed UTF-16 (no lone surrogate): String.prototype.isWellFormed, for ES2022. */
export const isWellFormed = (value: string) => !new RegExp(LONE_SURROGATE.source).test(value);
/** Lone surrogates replaced by U+FFFD, for naming a field in an answer. */
export const toWellFormed = (value: string) => value.replace(LONE_SURROGATE, '\uFFFD');

/** Why a string cannot be stored as text, if it cannot. */
export function textProblem(value: string, maxLength: number): string | undefined {
  if (!isWellFormed(value)) return 'holds ill-formed Unicode (a lone surrogate)';
  if (value.includes('\u0000')) return 'holds a NUL character';
  if (value.length > maxLength) return `is longer than ${maxLength} characters`;
  return undefined;
}

const numberProblem = (value: number) =>
  !Number.isFinite(value) || (Number.isInteger(value) && !Number.isSafeInteger(value)) ? `is a number beyond the safe integers (±${Number.MAX_SAFE_INTEGER})` : undefined;

/** One open object or array of the scan: where it is (for naming fields) and, for an object, the keys seen. */
interface Container {
  keys?: Set<string>;
  /** The member's key (object) or the element's index (array) being read. */
  at: string | number;
  /** Object only: the next string is a key. */
  expectKey: boolean;
}

const fieldName = (stack: Container[], last?: string) => {
  const path = stack.map((c) => c.at);
  if (last !== undefined) path[path.length - 1] = last;
  return path.length ? path.join('.') : '(body)';
};

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * One pass over text JSON.parse has accepted, in document order (so the first problem named is the one a tree
 * walk would name first): keys unique in their object and storable, strings storable, numbers safe.
 */
function scanValues(text: string, limits: JsonLimits): StrictJsonResult | undefined {
  const stack: Container[] = [];
  const top = () => stack[stack.length - 1];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    switch (c) {
      case 0x7b /* { */:
        stack.push({ keys: new Set(), at: '', expectKey: true });
        break;
      case 0x5b /* [ */:
        stack.push({ at: 0, expectKey: false });
        break;
      case 0x7d /* } */:
      case 0x5d /* ] */:
        stack.pop();
        break;
      case 0x2c /* , */: {
        const container = top()!;
        if (container.keys) container.expectKey = true;
        else (container.at as number)++;
        break;
      }
      case QUOTE: {
        // The string runs to the next unescaped quote. Its decoded length, and whether it holds a NUL or a
        // surrogate, are read on the way; only a key, or a string with a surrogate, is ever copied out.
        const start = i;
        let length = 0;
        let escaped = false;
        let nul = false;
        let surrogate = false;
        for (i++; ; i++, length++) {
          const s = text.charCodeAt(i);
          if (s === QUOTE) break;
          if (s === BACKSLASH) {
            escaped = true;
            if (text.charCodeAt(i + 1) === 0x75 /* u */) {
              const unit = parseInt(text.slice(i + 2, i + 6), 16);
              if (unit === 0) nul = true;
              else if (unit >= 0xd800 && unit <= 0xdfff) surrogate = true;
              i += 5;
            } else i++;
          } else if (s >= 0xd800 && s <= 0xdfff) surrogate = true;
        }
        const container = top();
        if (container?.expectKey) {
          const key: string = escaped ? JSON.parse(text.slice(start, i + 1)) : text.slice(start + 1, i);
          const why = textProblem(key, limits.maxStringLength);
          if (why) return fail(fieldName(stack, toWellFormed(key)), `the key ${why}`);
          if (container.keys!.has(key)) return fail(fieldName(stack, key), 'appears more than once in the object');
          container.keys!.add(key);
          container.at = key;
          container.expectKey = false;
          break;
        }
        // Surrogates may pair up: only then is the value decoded, to tell a pair from a lone one.
        const why = surrogate
          ? textProblem(escaped ? JSON.parse(text.slice(start, i + 1)) : text.slice(start + 1, i), limits.maxStringLength)
          : nul
            ? 'holds a NUL character'
            : length > limits.maxStringLength
              ? `is longer than ${limits.maxStringLength} characters`
              : undefined;
        if (why) return fail(fieldName(stack), why);
        break;
      }
      default:
        if (c === 0x2d /* - */ || (c >= 0x30 && c <= 0x39)) {
          const start = i;
          let plain = true;
          while (i + 1 < text.length && isNumberChar(text.charCodeAt(i + 1))) {
            const n = text.charCodeAt(++i);
            if (n < 0x30 || n > 0x39) plain = false;
          }
          // Up to 15 digits without a point or an exponent is always a safe integer: no need to convert it.
          const why = plain && i - start < 15 ? undefined : numberProblem(Number(text.slice(start, i + 1)));
          if (why) return fail(fieldName(stack), why);
        }
      // Whitespace, ':' and the letters of true, false and null need nothing.
    }
  }
  return undefined;
}

/** Digits, sign, point and exponent: what a JSON number is made of. */
const isNumberChar = (c: number) => (c >= 0x30 && c <= 0x39) || c === 0x2e || c === 0x2b || c === 0x2d || c === 0x65 || c === 0x45;

/** The deepest nesting of objects and arrays, counted without parsing (strings skipped). */
function nestingDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) max = Math.max(max, ++depth);
    else if (c === 0x7d || c === 0x5d) depth--;
  }
  return max;
}
