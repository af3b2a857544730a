/**
 * The root of the error hierarchy shared by every `@x/*` package.
 *
 * It lives here, in the lowest package of the stack, so that `@x/jwt`, `@x/oauth2-core` and the provider
 * presets throw subclasses of one class: `err instanceof OAuth2Error` holds for anything they throw, and
 * `err.code` is a stable string to branch on. `@x/oauth2-core` re-exports it.
 *
 * Messages and `toJSON()` never contain secrets or token values: subclasses receive only what is safe to
 * show, and the constructors of the HTTP-facing errors redact before storing.
 */
export class OAuth2Error extends Error {
  /** A stable, machine-readable identifier of the failure, such as `ERR_OAUTH2_SERVER`. */
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.name = new.target.name;
  }

  /** A plain, loggable description. Subclasses add their own safe fields. */
  toJSON(): Record<string, unknown> {
    return { name: this.name, code: this.code, message: this.message };
  }
}

/**
 * A caller passed an argument that cannot work (a relative redirect URI, a missing client id, a key of the
 * wrong kind...). Thrown synchronously where the API is synchronous, so mistakes surface at the call site.
 */
export class InvalidArgumentError extends OAuth2Error {
  /** The name of the offending option or parameter. */
  readonly argument: string;

  constructor(argument: string, message: string, options?: { cause?: unknown }) {
    super('ERR_INVALID_ARGUMENT', `${argument}: ${message}`, options);
    this.argument = argument;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), argument: this.argument };
  }
}
