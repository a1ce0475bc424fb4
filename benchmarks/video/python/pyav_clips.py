"""PyAV peer of `pnpm bench video`: random 16-frame clips (stride 2) from mp4 files, as a PyTorch-style
video dataset reads them (open the file, seek to the keyframe before the clip, decode, convert to
RGB24 numpy arrays), in a multiprocessing Pool of 1 or 2 processes, one decoding thread each.

stdin: one JSON object {files, clips, frames, stride, size, processes, rounds, seed}
stdout: one JSON line {roundsMs: [...], versions}
"""
import json
import random
import sys
import time
from multiprocessing import Pool

import av


def read_clip(task):
    path, start, frames, stride, size = task
    with av.open(path) as container:
        stream = container.streams.video[0]
        stream.thread_type = 'NONE'  # one thread per process: the pool gives the parallelism
        rate = stream.average_rate
        tb = stream.time_base
        first = stream.start_time or 0
        wanted = [start + k * stride for k in range(frames)]
        pts_of = lambda index: first + int(round(index / rate / tb))
        container.seek(pts_of(wanted[0]), stream=stream, backward=True, any_frame=False)
        targets = set(pts_of(index) for index in wanted)
        last = pts_of(wanted[-1])
        out = []
        for frame in container.decode(stream):
            if frame.pts in targets:
                if size is None:
                    out.append(frame.to_ndarray(format='rgb24'))
                else:
                    out.append(frame.reformat(width=size[1], height=size[0], format='rgb24').to_ndarray())
            if frame.pts >= last:
                break
        if len(out) != frames:
            raise RuntimeError(f'{path}: {len(out)} of {frames} frames from {start}')
        return out[0][0, 0, 0] if out else 0


def main():
    request = json.loads(sys.stdin.readline())
    rng = random.Random(request['seed'])
    files = request['files']  # [[path, frame count], ...]
    span = (request['frames'] - 1) * request['stride'] + 1
    size = request.get('size')
    rounds = []
    with Pool(request['processes']) as pool:
        pool.map(read_clip, [(files[0][0], 0, request['frames'], request['stride'], size)] * request['processes'])  # warm the workers
        for _ in range(request['rounds']):
            tasks = []
            for index in range(request['clips']):
                path, count = files[index % len(files)]
                tasks.append((path, rng.randrange(0, count - span + 1), request['frames'], request['stride'], size))
            started = time.perf_counter()
            pool.map(read_clip, tasks, chunksize=1)
            rounds.append((time.perf_counter() - started) * 1000)
    versions = {'pyav': av.__version__, 'libavcodec': '.'.join(map(str, av.library_versions['libavcodec']))}
    print(json.dumps({'roundsMs': rounds, 'versions': versions}))


if __name__ == '__main__':
    main()
