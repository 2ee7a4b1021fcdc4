/**
 * Testing helpers (`switchboard/testing`): an in-memory STOMP client for handler tests, with no
 * socket and no port.
 */
export { TestStompClient, connectTestClient } from './test-client.js';
export type { TestClientOptions, TestFrame } from './test-client.js';
export { InMemorySession } from './in-memory-session.js';
export type { InMemorySessionOptions } from './in-memory-session.js';
