/**
 * Alerts as the API shows them: one alert per problem (a flow + kind + step), with how often it
 * happened and when, and every message sent about it (the outbox's deliveries). Pure schemas
 * (no node:*, no DOM): the engine (engine/alerts/), the doors and the renderer share them.
 */
import { z } from 'zod';

export const ALERT_KINDS = ['run-failed', 'needs-attention', 'review-overdue', 'trigger-failed', 'trigger-silent', 'metric-below-target', 'drift', 'drift-check-failed'] as const;
export const AlertKindSchema = z.enum(ALERT_KINDS);
export type AlertKind = z.infer<typeof AlertKindSchema>;

export const DELIVERY_CHANNELS = ['email', 'webhook', 'desktop'] as const;
export type DeliveryChannel = (typeof DELIVERY_CHANNELS)[number];

/** What a message is about: an alert opening, its recovery, a review reminder or escalation. */
export const MessagePurposeSchema = z.enum(['opened', 'recovered', 'reminder', 'escalation']);
export type MessagePurpose = z.infer<typeof MessagePurposeSchema>;

/** One message in the outbox: where it goes (in words, no secrets), its attempts and outcome. */
export const AlertDeliverySchema = z.object({
  id: z.string(),
  channel: z.enum(DELIVERY_CHANNELS),
  purpose: MessagePurposeSchema,
  /** Where it goes, for people: addresses, the webhook's host, or "the desktop app". */
  to: z.string(),
  subject: z.string(),
  createdAt: z.string(),
  /** pending: waiting for its (next) attempt; sent; failed: gave up (see error). */
  status: z.enum(['pending', 'sent', 'failed']),
  attempts: z.number(),
  lastAttemptAt: z.string().optional(),
  nextAttemptAt: z.string().optional(),
  sentAt: z.string().optional(),
  /** The last failure in plain words, and what to do about it. */
  error: z.object({ message: z.string(), hint: z.string().optional() }).optional(),
  /** The alert this message is about (absent for review reminders). */
  alertKey: z.string().optional(),
  flowId: z.string().optional(),
});
export type AlertDelivery = z.infer<typeof AlertDeliverySchema>;

export const AlertSchema = z.object({
  /** `<flowId>/<kind>[/<stepId>]`: what mute and snooze take. */
  key: z.string(),
  flowId: z.string(),
  flowName: z.string(),
  kind: AlertKindSchema,
  stepId: z.string().optional(),
  stepName: z.string().optional(),
  /** The problem in one plain sentence, e.g. "Invoice sync failed". */
  title: z.string(),
  /** The latest cause (an error message, a reason). */
  detail: z.string().optional(),
  count: z.number(),
  firstSeen: z.string(),
  lastSeen: z.string(),
  state: z.enum(['open', 'resolved']),
  resolvedAt: z.string().optional(),
  /** What cleared it, in words ("the next run succeeded"). */
  resolvedBy: z.string().optional(),
  /** The latest run behind it. */
  runId: z.string().optional(),
  /** A link inside the app (`#/runs/<runId>`, `#/inbox`, `#/flows/<id>`). */
  link: z.string(),
  /** The same on the web bridge, when `flowkeeper serve` has an address. */
  url: z.string().optional(),
  /** The flow's alerts are muted: recorded, not sent. */
  muted: z.boolean(),
  /** Not sent until then (ISO). */
  snoozedUntil: z.string().optional(),
  deliveries: z.array(AlertDeliverySchema),
});
export type Alert = z.infer<typeof AlertSchema>;

export const AlertListSchema = z.object({
  open: z.array(AlertSchema),
  /** Resolved alerts, newest first. */
  recent: z.array(AlertSchema),
  /** Flows whose alerts are muted, with when. */
  muted: z.array(z.object({ flowId: z.string(), flowName: z.string(), since: z.string() })),
  /** Messages that could not be delivered (alerts and review reminders), newest first. */
  failedDeliveries: z.array(AlertDeliverySchema),
  /** Review reminders and escalations sent (or being sent), newest first. */
  reminders: z.array(AlertDeliverySchema),
  /** Set when another Flowkeeper on this data folder keeps the alerts: what that means, in words. */
  elsewhere: z.string().optional(),
});
export type AlertList = z.infer<typeof AlertListSchema>;
