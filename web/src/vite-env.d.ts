/// <reference types="vite/client" />

interface ImportMetaEnv {
  /** Set to "false" at build time to hide the demo sign-in panel (e.g. a real deployment). */
  readonly VITE_COEDU_DEMO_ACCOUNTS?: string;
}
