import { BusMetrics } from './bus-metrics';
import { ServiceMetrics } from './service-metrics';

async function eventsCounted(metrics: ServiceMetrics, type: string): Promise<number> {
  const metric = metrics.registry.getSingleMetric('conduit_stream_events_total');
  const { values } = (await metric?.get()) ?? { values: [] };
  return values
    .filter((v) => v.labels['type'] === type && v.labels['role'] === 'produce')
    .reduce((sum, v) => sum + v.value, 0);
}

describe('BusMetrics stream events', () => {
  it('counts every event of a stream by the time it ends, and lags by a few events at most while it runs', async () => {
    const metrics = new ServiceMetrics('test', { defaultMetrics: false });
    const observer = new BusMetrics(metrics).onStreamProduce({ stream: 'chat.completion', streamId: 's1' });
    for (let seq = 0; seq < 40; seq++) observer.event({ seq, type: 'delta' });
    const whileRunning = await eventsCounted(metrics, 'delta');
    expect(whileRunning).toBeGreaterThanOrEqual(40 - 16);
    expect(whileRunning).toBeLessThanOrEqual(40);
    const done = { seq: 40, type: 'done' };
    observer.event(done);
    observer.end({ type: 'terminal', event: done });
    expect(await eventsCounted(metrics, 'delta')).toBe(40);
    expect(await eventsCounted(metrics, 'done')).toBe(1);
  });

  it('counts the events of a stream its consumer closed early', async () => {
    const metrics = new ServiceMetrics('test', { defaultMetrics: false });
    const observer = new BusMetrics(metrics).onStreamProduce({ stream: 'chat.completion', streamId: 's2' });
    for (let seq = 0; seq < 3; seq++) observer.event({ seq, type: 'delta' });
    observer.end({ type: 'closed' });
    expect(await eventsCounted(metrics, 'delta')).toBe(3);
  });
});
