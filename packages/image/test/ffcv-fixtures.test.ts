/** FFCV's own image files (written by FFCV 1.0.2) decode to FFCV's sizes and pixels, with the active (native when built) backend. */
import { imagePlugin, jpegBackend } from '@tessera/image';
import { describeFfcvImageFixtures } from './helpers/ffcv-fixtures.js';

describeFfcvImageFixtures(`FFCV image fixtures (default backend)`, () => imagePlugin(), () => jpegBackend().name);
