// Vite bundles imported style sheets; TypeScript only needs to know such an import is fine.
declare module '*.css';
