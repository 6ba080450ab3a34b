import './tracing';
import 'reflect-metadata';
import { startChat } from './app';
import { loadChatConfig } from './config';

void startChat(loadChatConfig()).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
