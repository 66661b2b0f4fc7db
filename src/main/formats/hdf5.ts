import { baseName, defineReader } from './report';
import { startsWithBytes } from './text';

const SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]; // \x89HDF\r\n\x1a\n
/** The superblock may follow a user block of 512, 1024, 2048, ... bytes; we look this far. */
const MAX_SEARCH = 64 * 1024 * 1024;
const DATASET_EXTENSIONS = ['.hdf5', '.he5', '.nc', '.nc4'];

/** HDF5 (Keras 2 `.h5` weights, datasets): only the superblock is read. */
export const hdf5Reader = defineReader({
  id: 'hdf5',
  kind: 'checkpoint',
  extensions: ['.h5', '.hdf5', '.hdf', '.he5', '.nc', '.nc4'],
  sniff: (head) => startsWithBytes(head, SIGNATURE),
  inspect: async (src, report) => {
    if (DATASET_EXTENSIONS.some((e) => baseName(src.path).endsWith(e))) report.kind = 'dataset';
    for (let at = 0; at + 9 <= src.size && at <= MAX_SEARCH; at = at === 0 ? 512 : at * 2) {
      const buf = await src.read(at, 9);
      if (!startsWithBytes(buf, SIGNATURE)) continue;
      const version = buf[8]!;
      Object.assign(report.summary, { superblockVersion: version, userBlockSize: at });
      if (version > 3) report.warning('hdf5-unknown-superblock', `superblock version ${version} is newer than any we know (0-3)`);
      return;
    }
    report.error('hdf5-no-signature', 'no HDF5 signature at offset 0 or after a user block');
  },
});
