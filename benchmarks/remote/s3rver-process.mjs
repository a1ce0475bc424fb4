// s3rver on 127.0.0.1 in a process of its own: argv = storage folder, bucket, files to upload (as
// their base names). Prints the port once the files are in the bucket.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';

const [directory, bucket, ...files] = process.argv.slice(2);
const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: [{ name: bucket }] });
const { port } = await server.run();
const client = new S3Client({
  endpoint: `http://127.0.0.1:${port}`,
  forcePathStyle: true,
  region: 'us-east-1',
  credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
});
for (const file of files) await client.send(new PutObjectCommand({ Bucket: bucket, Key: basename(file), Body: readFileSync(file) }));
client.destroy();
process.stdout.write(`${port}\n`);
process.on('SIGTERM', async () => {
  await server.close();
  process.exit(0);
});
