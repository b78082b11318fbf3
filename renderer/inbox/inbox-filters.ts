/**
 * The inbox list's filters and order, as pure functions (tested in test/renderer/inbox-filters.test.ts):
 * by flow, by who it is assigned to, by due time and by age; soonest due first.
 */
import type { InboxItem } from '../../engine/model/contract.ts';

export type DueFilter = 'any' | 'overdue' | 'today' | 'week' | 'none';
export type AgeFilter = 'any' | 'day' | 'week';
/** `mine`: assigned to me or a group of mine (or to anyone); `anyone`: assigned to nobody; else a name. */
export type AssigneeFilter = 'all' | 'mine' | 'anyone' | { name: string };

export interface InboxFilters {
  flowId?: string;
  assignee: AssigneeFilter;
  due: DueFilter;
  age: AgeFilter;
}

export const NO_FILTERS: InboxFilters = { assignee: 'all', due: 'any', age: 'any' };

const DAY = 24 * 60 * 60_000;

function same(a: string, b: string): boolean {
  return a.trim().toLowerCase() === b.trim().toLowerCase();
}

/** Whether `me` is the assignee or in its group (`groups` from settings, `myGroup` from a reviewer link). */
export function assignedTo(item: Pick<InboxItem, 'assignee'>, me: string, groups: Record<string, string[]> = {}, myGroup?: string): boolean {
  const assignee = item.assignee;
  if (!assignee) return false;
  if (me !== '' && same(assignee, me)) return true;
  if (myGroup && same(assignee, myGroup)) return true;
  const members = Object.entries(groups).find(([group]) => same(group, assignee))?.[1] ?? [];
  return me !== '' && members.some((m) => same(m, me));
}

export function filterInbox(items: readonly InboxItem[], filters: InboxFilters, context: { now: number; me: string; groups?: Record<string, string[]>; myGroup?: string }): InboxItem[] {
  const endOfToday = new Date(context.now);
  endOfToday.setHours(23, 59, 59, 999);
  return items.filter((item) => {
    if (filters.flowId && item.flowId !== filters.flowId) return false;
    const a = filters.assignee;
    if (a === 'mine' && item.assignee && !assignedTo(item, context.me, context.groups, context.myGroup)) return false;
    if (a === 'anyone' && item.assignee) return false;
    if (typeof a === 'object' && !(item.assignee && same(item.assignee, a.name))) return false;
    const due = item.dueAt ? Date.parse(item.dueAt) : undefined;
    switch (filters.due) {
      case 'overdue':
        if (!(item.overdue || (due !== undefined && due <= context.now))) return false;
        break;
      case 'today':
        if (due === undefined || due > endOfToday.getTime()) return false;
        break;
      case 'week':
        if (due === undefined || due > context.now + 7 * DAY) return false;
        break;
      case 'none':
        if (due !== undefined) return false;
        break;
    }
    const age = context.now - Date.parse(item.createdAt);
    if (filters.age === 'day' && !(age >= DAY)) return false;
    if (filters.age === 'week' && !(age >= 7 * DAY)) return false;
    return true;
  });
}

/** Soonest due first; items without a due time after those with one; then the oldest first. */
export function sortByDue(items: readonly InboxItem[]): InboxItem[] {
  return [...items].sort((x, y) => {
    const dx = x.dueAt ? Date.parse(x.dueAt) : Infinity;
    const dy = y.dueAt ? Date.parse(y.dueAt) : Infinity;
    if (dx !== dy) return dx < dy ? -1 : 1;
    const cx = Date.parse(x.createdAt);
    const cy = Date.parse(y.createdAt);
    if (cx !== cy) return cx - cy;
    return x.id < y.id ? -1 : x.id > y.id ? 1 : 0;
  });
}

/** The item to show after `decidedId` leaves the list: the one after it, else the one before. */
export function nextAfter(items: readonly Pick<InboxItem, 'id'>[], decidedId: string): string | undefined {
  const index = items.findIndex((i) => i.id === decidedId);
  if (index === -1) return items[0]?.id;
  return items[index + 1]?.id ?? items[index - 1]?.id;
}

/** The distinct assignees in the list, for the filter's choices. */
export function assigneesOf(items: readonly Pick<InboxItem, 'assignee'>[]): string[] {
  return [...new Set(items.map((i) => i.assignee).filter((a): a is string => typeof a === 'string' && a !== ''))].sort((a, b) => a.localeCompare(b));
}

/** "due in 3 h", "due tomorrow 09:00", "2 h overdue": how pressing an item is, in words. */
export function describeDue(dueAt: string | undefined, now: number): { text: string; overdue: boolean } | undefined {
  if (!dueAt) return undefined;
  const due = Date.parse(dueAt);
  if (Number.isNaN(due)) return undefined;
  const diff = due - now;
  const span = (ms: number) => {
    const minutes = Math.round(Math.abs(ms) / 60_000);
    if (minutes < 60) return `${Math.max(1, minutes)} min`;
    const hours = Math.round(minutes / 60);
    if (hours < 48) return `${hours} h`;
    return `${Math.round(hours / 24)} days`;
  };
  return diff <= 0 ? { text: `${span(diff)} overdue`, overdue: true } : { text: `due in ${span(diff)}`, overdue: false };
}
