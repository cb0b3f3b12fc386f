/**
 * Whether a number can key a model by its text: not an integer past 2^53, whose digits a double
 * does not keep (12345678901234567890 and 12345678901234567891 are one double: two ids would
 * share a model, and the key in the outputs would be neither).
 */
export function safeKeyNumber(value: number): boolean {
  return !Number.isInteger(value) || Number.isSafeInteger(value);
}

/** Why `what` (a keyBy feature) holding `value` keys no model (`safeKeyNumber`). */
export function unsafeKeyReason(what: string, value: number): string {
  return `${what} is the number ${String(value)}, an integer past 2^53 whose digits a double does not keep (other ids would share its model): send the id as text (a JSON string; a string field in an Avro schema)`;
}
