/** The title a session has until someone (or the titler) names it. */
export const DEFAULT_SESSION_TITLE = 'New chat';
