import './tracing';
import 'reflect-metadata';
import { runService } from '@conduit/service-kit';
import { startMediaGen } from './app';
import { loadMediaGenConfig } from './config';

runService({ service: 'media-gen', loadConfig: loadMediaGenConfig, start: startMediaGen });
