import http from 'node:http';
import pg from 'pg';
import type { Tracing } from '@conduit/service-kit';

/**
 * OpenTelemetry instruments modules by hooking Node's `require`; Jest loads modules through its own
 * registry, which those hooks never see. In a Jest test the modules the services use are patched here
 * instead, with each instrumentation's own patch functions, as the hooks would in a real process.
 *
 * Returns the undo: Node's core `http` is shared by every test file of a Jest worker, so its patches
 * must not outlive the test (call it after `tracing.shutdown()`).
 */
export function instrumentModulesLoadedByJest(tracing: Tracing): () => void {
  if (!tracing.instrumentations) throw new Error('tracing is disabled');
  const loaded: Record<string, unknown> = { http, pg };
  const undo: (() => void)[] = [];
  for (const instrumentation of [tracing.instrumentations.http, tracing.instrumentations.pg]) {
    for (const definition of instrumentation.getModuleDefinitions()) {
      const moduleExports = loaded[definition.name];
      if (!moduleExports || !definition.patch) continue;
      const patched: unknown = definition.patch(moduleExports) ?? moduleExports;
      undo.push(() => definition.unpatch?.(patched));
    }
  }
  return () => undo.forEach((step) => step());
}
