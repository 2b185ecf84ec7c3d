import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ReadsInFlight } from './reads-in-flight.js';

/** A promise and its resolve/reject, to hold a statement or a read open. */
function held() {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

test('a statement runs alone when no read is in flight, with room beside one, and the reads go on either way', async () => {
  const reads = new ReadsInFlight();
  const ran: string[] = [];
  const withRoom = async (statement: () => Promise<unknown>) => {
    ran.push('room');
    await statement();
  };

  await reads.run(async () => ran.push('statement'), withRoom);
  assert.deepEqual(ran, ['statement']);

  const read = held();
  const reading = reads.read(() => read.promise);
  await reads.run(async () => ran.push('statement'), withRoom);
  assert.deepEqual(ran, ['statement', 'room', 'statement']);
  read.resolve();
  await reading;

  // A statement alone that fails still lets the reads waiting for it run, and its caller gets the error.
  const statement = held();
  const alone = reads.run(() => statement.promise, withRoom);
  let readRan = false;
  const waiting = reads.read(async () => {
    readRan = true;
  });
  await tick();
  assert.equal(readRan, false, 'the read waits for the statement running alone');
  statement.reject(new Error('Out of Memory Error'));
  await assert.rejects(alone, /Out of Memory/);
  await waiting;
  assert.equal(readRan, true);

  // Once the read that failed is over, the next statement runs alone again.
  await assert.rejects(
    reads.read(async () => Promise.reject(new Error('query failed'))),
    /query failed/,
  );
  await reads.run(async () => ran.push('statement'), withRoom);
  assert.deepEqual(ran.slice(-2), ['statement', 'statement']);
});

test('work for when no read is in flight runs alone then, not beside a read; onIdle says when the last read ends', async () => {
  let idle = 0;
  const reads = new ReadsInFlight({ onIdle: () => idle++ });
  const read = held();
  const reading = reads.read(() => read.promise);
  const second = held();
  const secondReading = reads.read(() => second.promise);
  let ran = 0;
  assert.equal(await reads.ifAlone(async () => ran++), false, 'skipped beside a read');
  assert.equal(ran, 0);
  read.resolve();
  await reading;
  assert.equal(idle, 0, 'a read is still in flight');
  second.resolve();
  await secondReading;
  assert.equal(idle, 1);

  const work = held();
  const alone = reads.ifAlone(() => work.promise);
  let readRan = false;
  const waiting = reads.read(async () => {
    readRan = true;
  });
  await tick();
  assert.equal(readRan, false, 'a read that starts meanwhile waits for it');
  work.resolve();
  assert.equal(await alone, true);
  await waiting;
  assert.equal(readRan, true);
});

test('onBusy runs when a read starts with none in flight, and every read and a statement beside them wait for it', async () => {
  const busy: ReturnType<typeof held>[] = [];
  const order: string[] = [];
  const reads = new ReadsInFlight({
    onBusy: () => {
      const raise = held();
      busy.push(raise);
      return raise.promise.then(() => {
        order.push('busy');
      });
    },
  });
  const first = reads.read(async () => order.push('first'));
  const second = reads.read(async () => order.push('second'));
  const beside = reads.run(
    async () => order.push('statement'),
    async (statement) => {
      await statement();
    },
  );
  await tick();
  assert.equal(busy.length, 1, 'once for reads that overlap');
  assert.equal(order.length, 0, 'the reads and the statement beside them wait for onBusy');
  busy[0].resolve();
  await Promise.all([first, second, beside]);
  assert.equal(order[0], 'busy');
  assert.deepEqual(order.slice(1).sort(), ['first', 'second', 'statement']);

  // The next read after all have ended runs onBusy again; one that fails still lets the read run.
  const third = reads.read(async () => order.push('third'));
  await tick();
  assert.equal(busy.length, 2);
  busy[1].reject(new Error('SET failed'));
  await third;
  assert.equal(order.at(-1), 'third');
});
