/** A value now, or a promise of it: what the verifier, the failure limit and the hooks may answer. */
export type MaybePromise<T> = T | Promise<T>;

/**
 * The one way Gatehouse settles a value-or-promise: `onValue` with the value (in this
 * turn when `run` answers synchronously, so the common path allocates no promise), or
 * `onError` when `run` throws or its promise rejects. Like `promise.then(onValue,
 * onError)`: what `onValue` itself throws is not handed to `onError`.
 */
export function settle<T, R>(
  run: () => MaybePromise<T>,
  onValue: (value: T) => MaybePromise<R>,
  onError: (error: unknown) => MaybePromise<R>,
): MaybePromise<R> {
  let value: MaybePromise<T>;
  try {
    value = run();
  } catch (error) {
    return onError(error);
  }
  return value instanceof Promise ? value.then(onValue, onError) : onValue(value);
}
