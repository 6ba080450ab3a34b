import './tracing';
import 'reflect-metadata';
import { runService } from '@conduit/service-kit';
import { startUsage } from './app';
import { loadUsageConfig } from './config';

runService({ service: 'usage', loadConfig: loadUsageConfig, start: startUsage });
