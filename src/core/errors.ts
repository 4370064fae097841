/** Base of every error Jeton's core throws: a stable `code` for programs, a message for people. */
export class JetonError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}
