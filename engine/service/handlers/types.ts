/** One API group's handlers: the slice of ServiceHandlers whose method names start with `group.`. */
import type { ServiceHandlers } from '../../dispatch.ts';

export type GroupHandlers<G extends string> = Pick<ServiceHandlers, Extract<keyof ServiceHandlers, `${G}.${string}`>>;
