/** Style sheets imported from components are bundled by Vite. */
declare module '*.css';
