// Imported first by main.ts: OpenTelemetry has to hook module loading before http and pg are required.
import { startTracing } from '@conduit/service-kit/tracing';

startTracing({ serviceName: 'agents' });
