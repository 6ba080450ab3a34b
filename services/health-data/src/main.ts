import './tracing';
import 'reflect-metadata';
import { runService } from '@conduit/service-kit';
import { startHealthData } from './app';
import { loadHealthDataConfig } from './config';

runService({ service: 'health-data', loadConfig: loadHealthDataConfig, start: startHealthData });
