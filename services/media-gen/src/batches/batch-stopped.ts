/** Why a running batch was stopped: its owner cancelled it, or this process is shutting down. */
export class BatchStopped extends Error {
  constructor(readonly why: 'cancelled' | 'shutdown') {
    super(why === 'cancelled' ? 'cancelled by its owner' : 'the worker is shutting down');
    this.name = 'BatchStopped';
  }
}
