/**
 * The built-in node catalogue. The engine never imports this folder: doors (CLI, desktop app,
 * web bridge, tests) pass `builtinNodes` to a NodeRegistry.
 */
import type { AnyNodeDefinition } from '../engine/model/index.ts';
import manualTrigger from './trigger/manual.ts';
import scheduleTrigger from './trigger/schedule.ts';
import webhookTrigger from './trigger/webhook.ts';
import pollTrigger from './trigger/poll.ts';
import folderTrigger from './trigger/folder.ts';
import emailTrigger from './trigger/email.ts';
import setFields from './transform/set.ts';
import transform from './transform/transform.ts';
import splitOut from './transform/split-out.ts';
import filter from './flow/filter.ts';
import ifNode from './flow/if.ts';
import switchNode from './flow/switch.ts';
import merge from './flow/merge.ts';
import delay from './flow/delay.ts';
import httpRequest from './integration/http-request.ts';
import postgresQuery from './integration/postgres-query.ts';
import emailSend from './integration/email-send.ts';
import slackPostMessage from './integration/slack-post-message.ts';
import fileRead from './integration/file-read.ts';
import fileWrite from './integration/file-write.ts';
import airtableAppendRow from './integration/airtable-append-row.ts';
import llm from './llm/llm.ts';
import review from './human/review.ts';

export const builtinNodes: readonly AnyNodeDefinition[] = [
  manualTrigger,
  scheduleTrigger,
  webhookTrigger,
  pollTrigger,
  folderTrigger,
  emailTrigger,
  setFields,
  transform,
  splitOut,
  filter,
  ifNode,
  switchNode,
  merge,
  delay,
  httpRequest,
  postgresQuery,
  emailSend,
  slackPostMessage,
  fileRead,
  fileWrite,
  airtableAppendRow,
  llm,
  review,
];
