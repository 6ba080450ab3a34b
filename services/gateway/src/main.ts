import './tracing';
import 'reflect-metadata';
import { startGateway } from './app';
import { loadGatewayConfig } from './config';

void startGateway(loadGatewayConfig()).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
