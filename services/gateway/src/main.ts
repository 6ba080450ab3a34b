import './tracing';
import 'reflect-metadata';
import { runService } from '@conduit/service-kit';
import { startGateway } from './app';
import { loadGatewayConfig } from './config';

runService({ service: 'gateway', loadConfig: loadGatewayConfig, start: startGateway });
