import './tracing';
import 'reflect-metadata';
import { runService } from '@conduit/service-kit';
import { startChat } from './app';
import { loadChatConfig } from './config';

runService({ service: 'chat', loadConfig: loadChatConfig, start: startChat });
