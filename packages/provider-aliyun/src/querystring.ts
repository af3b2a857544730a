/** A value as Node's `querystring.stringify` accepts it. */
type QueryValue = string | number | bigint | boolean | null | undefined | readonly (string | number | bigint | boolean)[];

/**
 * Serialises parameters exactly like Node's `querystring.stringify(params)` with its default separators,
 * without Node: keys in the given order, values percent-encoded with the same unreserved set as
 * `encodeURIComponent` (so a space is `%20`, `/` is `%2F`, and `!'()*-._~` stay as they are); a
 * `null`, `undefined` or non-finite number becomes an empty value (`state=`); an array repeats the key.
 * The legacy `getAuthorizeURL` relies on it for URLs identical to the 2018 SDK's.
 */
export function stringifyQuery(params: Readonly<Record<string, QueryValue>>): string {
  const pairs: string[] = [];
  for (const [name, value] of Object.entries(params)) {
    const key = encodeURIComponent(name);
    if (Array.isArray(value)) {
      for (const item of value as readonly (string | number | bigint | boolean)[]) pairs.push(`${key}=${encodeURIComponent(primitive(item))}`);
    } else {
      pairs.push(`${key}=${encodeURIComponent(primitive(value as Exclude<QueryValue, readonly unknown[]>))}`);
    }
  }
  return pairs.join('&');
}

function primitive(value: string | number | bigint | boolean | null | undefined): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  if (typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  return '';
}
