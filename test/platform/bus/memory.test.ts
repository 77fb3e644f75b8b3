import { MemoryEventBus } from '../../../nodes/platform/bus/memory';
import { eventBusContract } from '../../contract/event-bus.contract';

eventBusContract('in-process', async () => {
  const bus = new MemoryEventBus();
  await bus.open();
  return { a: bus, b: bus, cleanup: () => bus.close() };
});
