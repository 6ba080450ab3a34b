export const CHAT_CONFIG = Symbol('chat-config');
