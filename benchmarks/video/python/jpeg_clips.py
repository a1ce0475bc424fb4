"""JPEG-frame peers of `pnpm bench video`: random 16-frame clips (stride 2) read from folders of
per-frame JPEG files (frame-00000.jpg, ...), as a PyTorch-style frame-folder dataset reads them:
PIL (Image.open + convert('RGB') + numpy) or OpenCV (cv2.imread + cvtColor), in a multiprocessing
Pool of 1 or 2 processes, one thread each.

stdin: one JSON object, either
  {"op": "extract", "video": PATH, "folder": DIR, "quality": 90}  -> decode every frame with PyAV,
      save it with PIL at that quality; stdout {"frames": N}
  {"op": "read", "folders": [[DIR, N], ...], "clips", "frames", "stride", "reader": "pil"|"opencv",
   "processes", "rounds", "seed"}  -> stdout {"roundsMs": [...], "versions": {...}}
"""
import json
import os
import random
import sys
import time
from multiprocessing import Pool

import numpy as np

READER = None


def frame_path(folder, index):
    return os.path.join(folder, f'frame-{index:05d}.jpg')


def init(reader):
    global READER
    READER = reader
    if reader == 'opencv':
        import cv2 as module
        module.setNumThreads(1)


def read_clip(task):
    folder, start, frames, stride = task
    out = []
    if READER == 'pil':
        from PIL import Image
        for k in range(frames):
            with Image.open(frame_path(folder, start + k * stride)) as image:
                out.append(np.asarray(image.convert('RGB')))
    else:
        import cv2
        for k in range(frames):
            out.append(cv2.cvtColor(cv2.imread(frame_path(folder, start + k * stride), cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB))
    clip = np.stack(out)
    return int(clip[0, 0, 0, 0])


def extract(request):
    import av
    from PIL import Image
    os.makedirs(request['folder'], exist_ok=True)
    count = 0
    with av.open(request['video']) as container:
        for frame in container.decode(container.streams.video[0]):
            Image.fromarray(frame.to_ndarray(format='rgb24')).save(frame_path(request['folder'], count), quality=request['quality'])
            count += 1
    print(json.dumps({'frames': count}))


def read(request):
    rng = random.Random(request['seed'])
    folders = request['folders']
    span = (request['frames'] - 1) * request['stride'] + 1
    rounds = []
    with Pool(request['processes'], initializer=init, initargs=(request['reader'],)) as pool:
        pool.map(read_clip, [(folders[0][0], 0, request['frames'], request['stride'])] * request['processes'])
        for _ in range(request['rounds']):
            tasks = []
            for index in range(request['clips']):
                folder, count = folders[index % len(folders)]
                tasks.append((folder, rng.randrange(0, count - span + 1), request['frames'], request['stride']))
            started = time.perf_counter()
            pool.map(read_clip, tasks, chunksize=1)
            rounds.append((time.perf_counter() - started) * 1000)
    versions = {}
    if request['reader'] == 'pil':
        import PIL
        versions['pillow'] = PIL.__version__
    else:
        import cv2
        versions['opencv'] = cv2.__version__
    print(json.dumps({'roundsMs': rounds, 'versions': versions}))


if __name__ == '__main__':
    request = json.loads(sys.stdin.readline())
    extract(request) if request['op'] == 'extract' else read(request)
