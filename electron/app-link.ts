/**
 * The app's own links a notification carries (`#/runs/<id>`, `#/inbox/<id>`, `#/flows/<id>`):
 * clicking the notification opens the window at that place. Only hash routes of the app pass —
 * a link is put into the page's address, so anything else (another page, a script URL, a quote
 * that could end the string it is written into) is refused and the window just comes forward.
 *
 * May import: nothing.
 */
export function appLinkHash(link: string | undefined): string | undefined {
  if (link === undefined) return undefined;
  return /^#\/[A-Za-z0-9/_.~%:@!$&*+,;=-]{0,500}$/.test(link) ? link : undefined;
}
