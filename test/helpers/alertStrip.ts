import type { AlertMark, KeyReport } from '../../src/report/collect.js';

/** An alert mark of `type` at `offset` (its message the type's; `features` empty unless given). */
export function alertMark(
  offset: number,
  type: string,
  severity: string,
  features: string[] = [],
): AlertMark {
  return { offset, type, severity, message: `${type} message`, features };
}

/** A model's report of 60,000 events with one online snapshot (loss `loss`) and `alerts`: the alert strip's input. */
export function keyWithAlerts(alerts: AlertMark[], family: KeyReport['family'], loss: number): KeyReport {
  return {
    key: 'default',
    family,
    lambda: null,
    events: 60_000,
    onlineSnapshots: 1,
    refitSnapshots: 0,
    features: [],
    maxAbs: [],
    featuresSeen: 0,
    points: [
      {
        offset: 60_000,
        source: 'online',
        version: 1,
        support: 0,
        loss,
        lossEvents: 60_000,
        auc: null,
        coefficients: new Float64Array(0),
        window: null,
      },
    ],
    alerts,
    alertsTotal: alerts.length,
  };
}
