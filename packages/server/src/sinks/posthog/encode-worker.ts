/**
 * The encoding worker's entry point, loaded by Piscina (encode-pool.ts) in a worker thread: one task is one window
 * (encode-window.ts). A throw here rejects that task's promise in the forwarder; the worker itself lives on.
 */
import { type EncodedWindow, encodeWindowSync, type WindowTask } from './encode-window.js';

export default function encodeWindow(task: WindowTask): EncodedWindow {
  return encodeWindowSync(task);
}
