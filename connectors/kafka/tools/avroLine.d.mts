import type { Type } from 'avsc';

export function avroValue(event: unknown, shipped: boolean): unknown;
export function encodeLine(
  writer: { readonly type: Type; readonly id: number },
  line: string,
  options: { readonly framing: 'confluent' | 'raw'; readonly shipped: boolean },
): { value: Buffer; problem?: undefined } | { value?: undefined; problem: string };
