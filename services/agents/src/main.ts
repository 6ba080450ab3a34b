import './tracing';
import 'reflect-metadata';
import { runService } from '@conduit/service-kit';
import { startAgents } from './app';
import { loadAgentsConfig } from './config';

runService({ service: 'agents', loadConfig: loadAgentsConfig, start: startAgents });
