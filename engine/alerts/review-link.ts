/**
 * The app link of one inbox item, used by review reminders and overdue-review alerts. One
 * function so the inbox's own item link (when the inbox addresses single items) is wired here once.
 */
export function reviewItemLink(_itemId: string): string {
  return '#/inbox';
}
