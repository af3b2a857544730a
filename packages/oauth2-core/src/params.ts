/** A parameter value as callers give it: arrays are scopes (joined) or repeated parameters. */
export type ParamValue = string | number | boolean | readonly string[] | undefined;

/** Extra request parameters. camelCase names are sent in snake_case; snake_case names as they are. */
export type ExtraParams = Record<string, ParamValue>;

/** `accessType` → `access_type`; `access_type` and `prompt` unchanged. */
export function wireName(name: string): string {
  return name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}

/**
 * Appends parameters to a form or query. `scope` arrays are joined with the provider's separator; other
 * arrays repeat the parameter (e.g. RFC 8707 `resource`). `undefined` values are skipped.
 */
export function appendParams(target: URLSearchParams, params: ExtraParams, scopeSeparator: string): void {
  for (const [name, value] of Object.entries(params)) {
    if (value === undefined) continue;
    const key = wireName(name);
    if (Array.isArray(value)) {
      if (key === 'scope') target.set(key, value.join(scopeSeparator));
      else for (const item of value) target.append(key, item);
    } else {
      target.set(key, String(value));
    }
  }
}

/** A scope given as a string or a list, in wire form. */
export function scopeString(scope: string | readonly string[] | undefined, separator: string): string | undefined {
  if (scope === undefined) return undefined;
  return typeof scope === 'string' ? scope : scope.join(separator);
}
