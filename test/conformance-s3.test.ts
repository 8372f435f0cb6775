/**
 * The conformance suite's Zarr cases on a store the backend names, here
 * `s3://` on a real S3-protocol server: what a backend whose workers share
 * no disk with the caller (AWS Batch) runs. The endpoint and credentials
 * reach every worker through the environment, as on a real deployment;
 * the store URL carries neither.
 */
import { afterAll, expect, it } from "vitest";
import { ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { threads } from "@parazarr/backend-threads";
import { describeBackend } from "@parazarr/core/conformance";
import { startS3Server } from "./fixtures/s3-server.mjs";

// Before any worker starts: threads copy the environment when they are made.
const s3 = await startS3Server();
Object.assign(process.env, s3.env, { AWS_ENDPOINT_URL_S3: s3.endpoint });
afterAll(() => s3.stop());

describeBackend("threads(2) on s3://", () => threads(2), { zarrStore: async () => `s3://${s3.bucket}/conformance` });

// Runs after the suite: its Zarr cases really wrote to the bucket, not to a temp directory.
it("the suite's Zarr cases stored their arrays under the s3:// root, a fresh prefix per run", async () => {
  const client = new S3Client({ ...s3.options, credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey } });
  const listed = await client.send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: "conformance/" }));
  client.destroy();
  const keys = (listed.Contents ?? []).map((object) => object.Key ?? "");
  expect(keys).toContain("conformance/store-0/group/array/zarr.json");
  expect(keys.some((key) => /^conformance\/store-1\/group\/array\/c\/\d+\/\d+\/\d+$/.test(key))).toBe(true);
  expect(new Set(keys.map((key) => key.split("/")[1])).size).toBeGreaterThanOrEqual(6);
});
