import './tracing';
import 'reflect-metadata';
import { runService } from '@conduit/service-kit';
import { startSearch } from './app';
import { loadSearchConfig } from './config';

runService({ service: 'search', loadConfig: loadSearchConfig, start: startSearch });
