/** The shared model: flow format, run events, node kit, validation. Imports nothing of the repo outside this folder. */
export * from './flow.ts';
export * from './charter.ts';
export * from './events.ts';
export * from './node-kit.ts';
export * from './run-state.ts';
export * from './pause.ts';
export * from './validate.ts';
export * from './migrations.ts';
export * from './json-schema.ts';
export * from './contract.ts';
export * from './prices.ts';
export * from './network-errors.ts';
export * from './sql-placeholders.ts';
export * from './review.ts';
export * from './smtp-mail.ts';
export * from './alerts.ts';
export * from './flow-diff.ts';
