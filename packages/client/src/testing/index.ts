/**
 * @clogs/client/testing: a test double for apps that log through clogs. It checks each
 * record as the real client does and keeps it in memory for assertions.
 */
export { createTestClient, TestClient, type TestClientOptions, type TestRecord } from './test-client.js';
