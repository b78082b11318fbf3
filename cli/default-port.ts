/** The web bridge's port. Its own file so `flowkeeper serve --help` needs no server code. */
export const DEFAULT_PORT = 7654;
